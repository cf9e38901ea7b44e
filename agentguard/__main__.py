"""Run the agentguard command: python -m agentguard."""

import sys

from agentguard.cli import main

sys.exit(main())
