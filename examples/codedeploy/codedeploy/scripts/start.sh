#!/bin/sh
# Runs on every instance after the files were copied: shows the settings fink put into the bundle.
set -eu
cd /opt/fink-example
echo "fink example started with settings:"
cat settings.json
echo "and the outputs of the infrastructure stack:"
cat stack_output.yml
