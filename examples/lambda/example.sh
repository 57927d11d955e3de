#!/usr/bin/env bash
# The lambda example: deploy a Python function with one dependency (six), deploy it again unchanged (nothing is
# uploaded, no version is published), wire it to the SNS topic of the infrastructure example, list and inspect it.
# Needs the infrastructure example's stack fink-example-infra (LambdaRoleArn, ArtifactBucket, EventTopicArn) and
# the SSM parameter /fink-example/greeting.
set -euo pipefail
cd "$(dirname "$0")"

if [[ "${AWS_ENDPOINT_URL:-}" == http://127.0.0.1:* ]]; then
  # The local emulator does not run function code; tell it what our handler answers to the two pings below.
  python -c 'import json, os, urllib.request
body = json.dumps({"results": ["alive", "alive"], "region": "eu-west-1"}).encode()
url = os.environ["AWS_ENDPOINT_URL"] + "/moto-api/static/lambda-simple/response"
urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}))'
fi

echo "== lambda deploy: bundle (handler.py, settings.json, six from requirements.txt), create, publish, ACTIVE"
lambda deploy

echo
echo "== lambda deploy again: same bundle bytes, so no upload, no new version"
lambda deploy

echo
echo "== lambda wire: subscribe ACTIVE to the example SNS topic (running it twice changes nothing)"
lambda wire
lambda wire

echo
echo "== lambda list"
lambda list

echo
echo "== lambda info"
lambda info

echo
echo "== lambda clean: remove the local bundle and the bundler's caches"
lambda clean
