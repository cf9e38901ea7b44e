#!/usr/bin/env bash
# Set up .venv, then run offline on the embedded default estimator:
#   1. `agentguard check` over the example check inputs (reports -> traces/quickstart.jsonl);
#   2. `agentguard demo`: the example agents with the monitor in the loop
#      (reports and run events -> traces/demo.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
echo
.venv/bin/agentguard check --trace traces/quickstart.jsonl examples/check/*.json
echo "trace written to traces/quickstart.jsonl"
rm -f traces/demo.jsonl
.venv/bin/agentguard demo --trace traces/demo.jsonl
