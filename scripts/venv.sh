# Sourced by the other scripts: create .venv with a Python >= 3.10 and install agentguard into it.
# Usage: source scripts/venv.sh [EXTRAS]   (EXTRAS e.g. "dev")
set -euo pipefail
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    found="$("$PYTHON" --version 2>/dev/null || true)"
    echo "agentguard needs Python 3.10 or newer; '$PYTHON' is ${found:-not a Python that runs here}." >&2
    echo "Set PYTHON=/path/to/python3.x and run again." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
spec="."
if [ -n "${1:-}" ]; then spec=".[$1]"; fi
echo "installing agentguard${1:+[$1]} into .venv (first run downloads dependencies)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
