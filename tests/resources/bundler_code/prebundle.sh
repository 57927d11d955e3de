#!/bin/sh
set -e
echo "built by prebundle" > codedeploy/BUILD_INFO
echo "prebundle ran"
