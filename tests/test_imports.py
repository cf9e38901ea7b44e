import subprocess
import sys

from tests.conftest import EXAMPLES


def test_import_and_check_do_not_load_litellm_langgraph_or_opentelemetry() -> None:
    example = str(EXAMPLES / "flight_missing_origin.json")
    code = (
        "import json, sys, agentguard\n"
        f"agentguard.Monitor().check(json.load(open({example!r})))\n"
        "heavy = [m for m in sys.modules\n"
        "         if m.split('.')[0] in ('litellm', 'langgraph', 'opentelemetry')]\n"
        "print(','.join(sorted(heavy)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_public_api_is_explicit() -> None:
    import agentguard

    assert "Monitor" in agentguard.__all__
    for name in agentguard.__all__:
        assert hasattr(agentguard, name), name
