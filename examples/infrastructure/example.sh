#!/usr/bin/env bash
# The infrastructure example: deploy the stack the other examples build on (fink-example-infra with the outputs
# LambdaRoleArn, ArtifactBucket and EventTopicArn), deploy it again unchanged, list the stacks and preview the
# pending deploy (first without changes, then with a changed parameter that is not deployed).
set -euo pipefail
cd "$(dirname "$0")"

echo "== cloud deploy: create stack fink-example-infra (IAM role, S3 bucket, SNS topic) and show its outputs"
cloud deploy

echo
echo "== cloud deploy again: nothing changed, so no change set is left behind and nothing is executed"
cloud deploy

echo
echo "== cloud list"
cloud list

echo
echo "== cloud preview: the pending deploy (no changes)"
cloud preview

echo
echo "== cloud preview with NamePrefix changed (preview only: the config file is restored, nothing is deployed)"
cp fink_dev.json fink_dev.json.orig
trap 'mv -f fink_dev.json.orig fink_dev.json' EXIT
sed -i.bak 's/"NamePrefix": "fink-example"/"NamePrefix": "fink-example-renamed"/' fink_dev.json && rm -f fink_dev.json.bak
cloud preview
