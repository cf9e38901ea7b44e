"""The package as users get it: a wheel installed into a fresh virtual environment.

The wheel is built from this checkout and installed without its dependencies (no network is
needed): the fresh environment borrows them from the running one through a `.pth` file that adds
its site-packages folder, which leaves that folder's own `.pth` files (this checkout's editable
install) unread. The commands then run from another folder, so only the wheel's files count.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin` folder of a fresh venv holding the wheel of this checkout."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(root / "dist"), str(ROOT)],
        cwd=root,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("agentguard-*.whl")
    env = root / "venv"
    venv.create(env, with_pip=True)
    bin_dir = env / ("Scripts" if sys.platform == "win32" else "bin")
    done = _run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         str(wheel)],
        cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    site = _run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        cwd=root,
    ).stdout.strip()
    (Path(site) / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return bin_dir


def test_the_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = "import agentguard, sys; print(agentguard.__file__)"
    where = _run([str(installed / "python"), "-c", code], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent)


def test_agentguard_eval_runs_the_bundled_suites_from_an_installed_wheel(
    installed: Path, tmp_path: Path
) -> None:
    done = _run([str(installed / "agentguard"), "eval", "--json", "--out", "run"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["behaviour"]["overall"]["n"] == 433
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["settings"]["suites"] == [
        "travel",
        "orders",
        "retrieval",
        "arithmetic",
        "adversarial",
    ]
    assert (run["cases"], run["errors"]) == (433, 0)
    assert (tmp_path / "run" / "report.html").is_file()


def test_check_with_the_shipped_policies_and_coefficients(installed: Path, tmp_path: Path) -> None:
    example = ROOT / "examples" / "check" / "flight_missing_origin.json"
    done = _run(
        [str(installed / "agentguard"), "check", "--json", "--policy", "strict", str(example)],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["estimator"] == "default" and report["decision"]["action"] == "ask_user"
