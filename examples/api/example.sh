#!/usr/bin/env bash
# The API Gateway example: deploy swagger.yaml as REST API fink-example-api whose GET /hello calls the lambda
# example's function fink-example-hello (alias ACTIVE), then list the APIs.
# Needs the lambda example (run before this one).
set -euo pipefail
cd "$(dirname "$0")"

echo "== api deploy: create the API from swagger.yaml; it prints the invoke URL"
deployed=$(api deploy)
echo "$deployed"
url=$(echo "$deployed" | grep '^https://' | tail -n 1)
echo "GET $url/hello calls fink-example-hello:ACTIVE"

echo
echo "== api deploy again: the API is updated in place, the Lambda permission is not added twice"
api deploy

echo
echo "== api list"
api list
