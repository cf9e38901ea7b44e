#!/usr/bin/env bash
# Set up .venv, then run offline on the embedded default estimator:
#   1. `agentguard check` on one example, its report shown here; then on every example check
#      input, with their messages, tools and documents (reports -> traces/quickstart.jsonl);
#   2. `agentguard demo`: the example agents with the monitor in the loop (-> traces/demo.jsonl);
#   3. the main job, `agentguard eval` over the bundled suites (agentguard/evaluation/suites):
#      it ends with the calibration summary and the path of the HTML report (runs/quickstart);
#   4. how to look at what was flagged: `agentguard inspect` and `agentguard view`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
echo
echo "\$ agentguard check examples/check/flight_missing_origin.json"
.venv/bin/agentguard check examples/check/flight_missing_origin.json
.venv/bin/agentguard check --trace traces/quickstart.jsonl --trace-inputs examples/check/*.json > /dev/null
echo "checked examples/check/*.json (reports in traces/quickstart.jsonl)"
rm -f traces/demo.jsonl
.venv/bin/agentguard demo --trace traces/demo.jsonl
echo
.venv/bin/agentguard eval --fresh --out runs/quickstart
cat <<'DONE'

Look at what the monitor flagged (the eval's cases; the traces work the same way):
  .venv/bin/agentguard inspect runs/quickstart   # in the terminal, with a summary by tool and parameter
  .venv/bin/agentguard view runs/quickstart      # in the browser: outputs, evidence, calibration plots
  .venv/bin/agentguard view traces/quickstart.jsonl
DONE
