#!/usr/bin/env bash
# Set up .venv and run the monitor offline, on the embedded default estimator, over the
# example `check` inputs; every report is also appended to traces/quickstart.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
echo
.venv/bin/agentguard check --trace traces/quickstart.jsonl examples/check/*.json
echo "trace written to traces/quickstart.jsonl"
