#!/usr/bin/env bash
# Create .venv (Python 3.11) and install requirements-dev.txt. Called by the Makefile.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
[ -n "$PYTHON" ] || apt_install python3 python3-venv
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
    || die "Python 3.11 or newer is needed; $PYTHON is $("$PYTHON" -V 2>&1)."

if [ ! -x "$PY" ]; then
    say "Creating .venv with $PYTHON"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        # Debian ships venv/ensurepip separately.
        apt_install python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi
say "Installing requirements-dev.txt into .venv"
"$PY" -m pip install --quiet -r requirements-dev.txt
