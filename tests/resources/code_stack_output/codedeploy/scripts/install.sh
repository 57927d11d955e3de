#!/bin/sh
# installs the sample application
set -e
echo "installing sample-app"
