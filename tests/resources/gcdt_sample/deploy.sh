#!/bin/sh
# what the team's CI job ran
set -e
export ENV=dev
kumo deploy
ramuda deploy
yugen deploy
tenkai bundle
