#!/usr/bin/env bash
# Set up .venv with the dev tools and run the whole check: lint, format, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh dev
echo "ruff check";  .venv/bin/ruff check .
echo "ruff format"; .venv/bin/ruff format --check .
echo "mypy";        .venv/bin/mypy
echo "pytest";      .venv/bin/python -m pytest
