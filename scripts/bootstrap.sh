#!/usr/bin/env bash
# Creates .venv and installs every fink distribution of this checkout (editable) plus the test and docs tools.
# Re-running is cheap: nothing is reinstalled while the requirement and setup files are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "fink needs Python >= 3.10")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.fink-installed
want=$(cat requirements_fink.txt requirements_dev.txt setup.py */setup.py plugins/*/setup.py | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing fink and its development tools into .venv ..."
  log=.venv/install.log
  # the core distribution was called "fink" before 1.0 was published as "fink-core": drop an old editable install
  .venv/bin/python -m pip uninstall -y -q fink >/dev/null 2>&1 || true
  if ! { .venv/bin/python -m pip install --upgrade pip setuptools wheel &&
         .venv/bin/python -m pip install -r requirements_dev.txt; } >"$log" 2>&1; then
    tail -n 40 "$log"; echo "Installation failed; the full log is $log" >&2; exit 1
  fi
  echo "$want" > "$stamp"
fi
