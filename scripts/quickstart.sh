#!/usr/bin/env bash
# Set up .venv, then run offline on the embedded default estimator:
#   1. `agentguard check` over the example check inputs (reports -> traces/quickstart.jsonl);
#   2. `agentguard demo`: the example agents with the monitor in the loop (-> traces/demo.jsonl);
#   3. the main job, `agentguard eval` over the bundled suites (agentguard/evaluation/suites):
#      it ends with the calibration summary and the path of the HTML report (runs/quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
echo
.venv/bin/agentguard check --trace traces/quickstart.jsonl examples/check/*.json > /dev/null
echo "checked examples/check/*.json (reports in traces/quickstart.jsonl)"
rm -f traces/demo.jsonl
.venv/bin/agentguard demo --trace traces/demo.jsonl
echo
.venv/bin/agentguard eval --fresh --out runs/quickstart
