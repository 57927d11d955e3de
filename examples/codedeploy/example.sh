#!/usr/bin/env bash
# The CodeDeploy example: bundle the codedeploy/ folder (plus settings.json and stack_output.yml) and deploy it.
# Needs the infrastructure example's stack fink-example-infra (its ArtifactBucket output and all its outputs).
set -euo pipefail
cd "$(dirname "$0")"

echo "== CodeDeploy application and deployment group"
python create_codedeploy_app.py

echo
echo "== code bundle: the bundle's path and sha256"
bundled=$(code bundle)
echo "$bundled"
bundle_file=$(echo "$bundled" | sed -n 's/^bundle: //p')

echo
echo "== the bundle's contents"
python -c "import sys, zipfile; print('\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))" "$bundle_file"

echo
echo "== code deploy --no-wait: upload the bundle and create the deployment"
# The local emulator never runs a deployment (it stays 'Created'), so the example does not wait for it;
# against AWS, run plain `code deploy` to follow it until it succeeded (or see why it failed).
code deploy --no-wait

echo
echo "== code deploy --no-wait again: the unchanged bundle is not uploaded twice"
code deploy --no-wait

# the bundle is a build artifact: leave the example folder as it was
rm -f bundle.zip
