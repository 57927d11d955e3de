#!/usr/bin/env bash
# The stack group example: four stacks in sub-folders, tied together by lookup:stack values
# (network <- storage <- service, network <- service; monitoring on its own), deployed as one system.
set -euo pipefail
cd "$(dirname "$0")"

echo "== cloud group list: the members, found in the sub-folders, and what they depend on"
cloud group list

echo
echo "== cloud group preview: what a deploy would do (the members that look up new stacks wait)"
cloud group preview

echo
echo "== cloud group deploy: network and monitoring in parallel, then storage, then service"
cloud group deploy

echo
echo "== cloud group deploy again: every member reports no changes"
cloud group deploy

echo
echo "== cloud group list"
cloud group list
