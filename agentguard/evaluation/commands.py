"""The eval commands of the `agentguard` CLI: eval, report, compare, calibrate, simulate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from agentguard.atomic import write_text_atomic
from agentguard.errors import InputError
from agentguard.evaluation.harness.labeled import LabelUse
from agentguard.evaluation.harness.report_cases import CaseLinks
from agentguard.evaluation.harness.suite import Suite, load_suite
from agentguard.scale.pool import ENGINES, workers_option

SUITES_DIR = Path(__file__).resolve().parent / "suites"
"""The bundled suites, shipped as package data (`agentguard/evaluation/suites/*.jsonl`)."""
DEFAULT_SUITES = ("travel", "orders", "retrieval", "arithmetic", "adversarial")


def bundled_suites() -> list[str]:
    """Names of the bundled suites."""
    return sorted(p.stem for p in SUITES_DIR.glob("*.jsonl"))


def resolve_suites(
    names: list[str], *, data: str | None, split: str = "dev", limit: int | None = None
) -> list[Suite]:
    """Suites by path, bundled name, or public set name (the latter read from `data`).

    Raises:
        InputError: naming a suite that is none of these, or a public set without `--data`.
    """
    from agentguard.evaluation.public.adapters import PUBLIC_SETS, load_public

    out = []
    for name in names or list(DEFAULT_SUITES):
        path = Path(name)
        if path.suffix == ".jsonl" or path.is_file():
            suite = load_suite(path)
        elif name in PUBLIC_SETS:
            if data is None:
                raise InputError(name, "a public set: pass --data with the folder holding it")
            suite = load_public(name, data, split=split)  # type: ignore[arg-type]
        else:
            hit = SUITES_DIR / f"{name}.jsonl"
            if not name.isidentifier() or not hit.is_file():
                known = ", ".join([*bundled_suites(), *PUBLIC_SETS])
                raise InputError(name, f"no such suite (a .jsonl path, or one of: {known})")
            suite = load_suite(hit)
        if limit is not None:
            suite = Suite(suite.name, suite.cases[:limit], suite.path)
        out.append(suite)
    return out


def _default_out(args: argparse.Namespace) -> Path:
    stem = "+".join(Path(s).stem for s in args.suites) or "bundled"
    model = "replay" if args.model is None else args.model.replace("/", "_")
    return Path("runs") / f"{stem}-{Path(str(args.policy)).stem}-{model}"


def _finish(
    out: Path, stdout: TextIO, *, as_json: bool, color: bool, stderr: TextIO | None = None
) -> dict[str, Any]:
    """Summarise a run folder: summary.json, report.html, and the terminal (or JSON) summary."""
    from agentguard.evaluation.harness.report import render_summary, write_html

    header, summary, links = summarise_run_cases(out)
    _warn(links.problems, stderr)
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1, allow_nan=False) + "\n")
    page = write_html(out / "report.html", summary, header, cases=links)
    if as_json:
        stdout.write(json.dumps(summary, allow_nan=False) + "\n")
    else:
        stdout.write(render_summary(summary, header, color=color) + "\n")
        stdout.write(f"\nresults: {out / 'results.jsonl'}\nreport:  {page}\n")
    return summary


def _warn(problems: list[str], stderr: TextIO | None) -> None:
    if stderr is not None:
        for problem in problems:
            stderr.write(f"agentguard: warning: {problem}\n")


def labelled_results(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]], LabelUse, Any]:
    """The header and results of a run folder, with the labels of its label file as gold.

    Returns:
        The header, the result lines (a labelled claim's `gold` is its label), how the labels
        were used, and the cases of the trace (`trace_cases`).
    """
    from agentguard.evaluation.harness.labeled import apply_labels, run_labels, trace_cases
    from agentguard.evaluation.harness.runner import load_run

    header, results = load_run(out)
    cases = trace_cases(Path(out) / "trace.jsonl")
    use = run_labels(Path(out), cases)
    return header, apply_labels(results, use), use, cases


def summarise_run(out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header (with its settings flattened in) and the metrics of a run folder.

    Labels in the run's label file count as gold for their claims (`labeled.apply_labels`);
    the header and the summary then say how many were used (`labels`).
    """
    header, summary, _ = summarise_run_cases(out)
    return header, summary


def summarise_run_cases(out: Path) -> tuple[dict[str, Any], dict[str, Any], CaseLinks]:
    """As `summarise_run`, with the cases behind every figure for the HTML report."""
    from agentguard.evaluation.harness.runner import rows
    from agentguard.evaluation.harness.summary import summarize
    from agentguard.policy import load_policy

    header, results, use, cases = labelled_results(out)
    settings = header.get("settings", {})
    run = {**header, **settings, "cases": len(results),
           "errors": sum(1 for r in results if r.get("error"))}  # fmt: skip
    threshold = load_policy(settings.get("policy", "balanced")).threshold
    claims, responses, behaviours = rows(results)
    summary = summarize(claims, responses, behaviours, threshold=threshold)
    if use.file is not None:
        run["labels"] = summary["labels"] = use.to_json()
    links = CaseLinks(
        folder=str(out),
        results=results,
        rows=(claims, responses, behaviours),
        lines={(str(k[0]), k[1]): c.line for k, c in cases.items()},
        problems=use.problems,
    )
    return run, summary, links


def cmd_eval(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard eval`; exit 1 when cases failed (the summary leaves them out)."""
    from agentguard.evaluation.harness.runner import run_eval

    suites = resolve_suites(args.suites, data=args.data, split=args.split, limit=args.limit)
    out = Path(args.out) if args.out else _default_out(args)
    result = run_eval(
        suites,
        out,
        policy=args.policy,
        model=args.model,
        calibration=args.calibration,
        concurrency=args.concurrency,
        workers=args.workers,
        engine=args.engine,
        ray_address=args.ray_address,
        fresh=args.fresh,
        progress=False if args.no_progress else None,
    )
    if result.skipped or result.retried:
        again = f"; {result.retried} that had failed ran again" if result.retried else ""
        stderr.write(f"resumed {out}: {result.skipped} case(s) were already done{again}\n")
    _finish(out, stdout, as_json=args.json, color=args.color, stderr=stderr)
    failures = result.failed
    if not failures:
        return 0
    first = failures[0]
    stderr.write(
        f"agentguard: {len(failures)} of {len(result.results)} case(s) failed; the summary "
        f"leaves them out. First: {first['suite']}/{first['case']}: {str(first['error'])[:200]}\n"
        f"Run the same command again to retry the failed cases (errors: {out / 'results.jsonl'}).\n"
    )
    return 1


def cmd_report(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard report`."""
    from agentguard.evaluation.harness.report import write_html

    out = Path(args.run)
    header, summary, links = summarise_run_cases(out)
    _warn(links.problems, stderr)
    page = write_html(
        Path(args.output) if args.output else out / "report.html", summary, header, cases=links
    )
    stdout.write(f"{page}\n")
    return 0


def cmd_compare(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard compare`; exit 1 when the gated metric got worse beyond the tolerance."""
    from agentguard.evaluation.harness.compare import compare, gate, render_differences
    from agentguard.evaluation.harness.runner import rows

    if args.tolerance < 0:
        raise InputError("--tolerance", f"must be >= 0, not {args.tolerance}")
    if args.metric is not None:
        try:  # an unknown name is refused before any work, with the names it could be
            compare(([], [], []), ([], [], []), metrics=[args.metric], n_boot=0)
        except ValueError as exc:
            raise InputError("--metric", str(exc)) from None
    runs = [rows(labelled_results(Path(r))[1]) for r in (args.run_a, args.run_b)]
    diffs = compare(runs[0], runs[1], n_boot=args.n_boot, seed=0)
    stdout.write(render_differences(diffs) + "\n")
    if args.metric is None:
        return 0
    ok, reason = gate(diffs, args.metric, args.tolerance)
    stdout.write(("PASS: " if ok else "FAIL: ") + reason + "\n")
    return 0 if ok else 1


def cmd_calibrate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard calibrate`: fit on a run's labelled claims and labelled traces."""
    import numpy as np

    from agentguard.calibration import save_calibration
    from agentguard.evaluation.harness.recalibrate import fit_report

    if args.run is None and not args.labels_from:
        raise InputError("calibrate", "give a run folder, --labels-from TRACE, or both")
    claims, meta = _calibration_claims(args, stderr)
    claims = [c for c in claims if c["kind"] != "question"]
    where = str(args.run or args.labels_from[0])
    if not claims:
        raise InputError(where, "no labeled text or argument claims to fit on")
    p = np.array([c["p"] for c in claims], dtype=float)
    y = np.array([c["y"] for c in claims], dtype=int)
    try:
        report = fit_report(p, y, folds=args.folds, seed=args.seed)
    except ValueError as exc:
        raise InputError(where, str(exc)) from None
    meta.update(claims=len(claims), folds=args.folds, seed=args.seed)
    save_calibration(args.output, report["maps"], {**meta, "default": report["default"]})
    stdout.write(render_fit(report, len(claims), args.folds) + f"\nwritten: {args.output}\n")
    return 0


def _calibration_claims(
    args: argparse.Namespace, stderr: TextIO
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The labelled claims to fit on: a run's (its labels as gold) and labelled traces'."""
    from agentguard.evaluation.harness.labeled import label_claim_rows
    from agentguard.evaluation.harness.runner import rows
    from agentguard.inspection.labels import labels_path_of

    claims: list[dict[str, Any]] = []
    meta: dict[str, Any] = {"run": str(args.run) if args.run else None}
    seen: set[Path] = set()
    if args.run is not None:
        _, results, use, _ = labelled_results(Path(args.run))
        _warn(use.problems, stderr)
        claims += rows(results)[0]
        meta["labels"] = use.used
        if use.file is not None:
            seen.add(use.file.resolve())
    for trace in args.labels_from or []:
        if labels_path_of(trace).resolve() in seen:
            continue  # the run's own labels, counted already
        seen.add(labels_path_of(trace).resolve())
        found, problems = label_claim_rows(trace)
        _warn(problems, stderr)
        claims += found
        meta.setdefault("labels_from", []).append({"trace": str(trace), "claims": len(found)})
    return claims, meta


def render_fit(report: dict[str, Any], n: int, folds: int) -> str:
    """The cross-validated ECE before and after each map, as lines of text."""
    lines = [f"{n} labeled claims, {folds}-fold cross-validated ECE (15 equal-width bins):"]
    for method, res in report["methods"].items():
        mark = "  <- default" if method == report["default"] else ""
        lines.append(
            f"  {method:<9} before {res['ece_before']:.4f}  after {res['ece_after']:.4f}{mark}"
        )
    return "\n".join(lines)


def _count(minimum: int) -> Any:
    """An argparse type: an integer of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def add_parsers(sub: Any, policies: list[str]) -> None:
    """Add the eval subcommands to the `agentguard` parser."""
    ev = sub.add_parser(
        "eval",
        help="run eval suites offline (or with a live model) and report calibration",
        description="Check every case of the suites, join the reports with gold labels, and "
        "write results, trace, summary and an HTML report into a run folder. Re-running into "
        "the same folder skips finished cases and retries failed ones. Exit 1 when cases "
        "failed (a model error), 2 for bad input.",
    )
    ev.add_argument("suites", nargs="*", metavar="SUITE",
                    help="suite path or name (default: the bundled suites)")  # fmt: skip
    ev.add_argument("--policy", default="balanced", metavar="NAME|PATH",
                    help=f"policy ({', '.join(policies)}) or YAML path")  # fmt: skip
    ev.add_argument("--model", help="live model (litellm string); default: replay recorded outputs")
    ev.add_argument(
        "--out", metavar="DIR", help="run folder (default: runs/<suites>-<policy>-<model>)"
    )
    ev.add_argument("--concurrency", type=_count(1), default=1, metavar="N",
                    help="live model calls at once")  # fmt: skip
    ev.add_argument("--workers", type=workers_option, metavar="N",
                    help="processes (or Ray actors) checking the cases; results are written in "
                    "case order (default: $AGENTGUARD_WORKERS, else all cores; with --engine "
                    "ray, the cluster's CPUs)")  # fmt: skip
    ev.add_argument("--engine", choices=ENGINES, default="local",
                    help="where the cases are checked: local processes, or a Ray cluster "
                    "(pip install 'agentguard[ray]'); default: local")  # fmt: skip
    ev.add_argument("--ray-address", metavar="ADDRESS",
                    help="Ray cluster to join with --engine ray (e.g. auto, ray://head:10001); "
                    "default: start Ray on this machine")  # fmt: skip
    ev.add_argument("--data", metavar="DIR", help="folder holding the public sets")
    ev.add_argument("--split", choices=["dev", "train", "all"], default="dev",
                    help="split of a public set (default: dev)")  # fmt: skip
    ev.add_argument("--limit", type=_count(0), metavar="N", help="first N cases of each suite")
    ev.add_argument("--calibration", metavar="FILE", help="calibration file to apply")
    ev.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    ev.add_argument("--json", action="store_true", help="print the summary as JSON")
    ev.add_argument("--no-progress", action="store_true", help="no progress bar")
    ev.add_argument("--color", action=argparse.BooleanOptionalAction, default=None,
                    help="colour the summary (default: when a terminal)")  # fmt: skip
    ev.set_defaults(func=cmd_eval)

    rep = sub.add_parser("report", help="write the HTML report of a run")
    rep.add_argument("run", metavar="RUN", help="run folder")
    rep.add_argument("-o", "--output", metavar="FILE", help="HTML path (default: RUN/report.html)")
    rep.set_defaults(func=cmd_report)

    cmp = sub.add_parser(
        "compare",
        help="compare two runs, with bootstrap intervals; gate on a metric",
        description="Print metric differences B - A with 95%% bootstrap intervals. With "
        "--metric, exit 1 when that metric got worse by more than --tolerance.",
    )
    cmp.add_argument("run_a", metavar="RUN_A", help="baseline run folder")
    cmp.add_argument("run_b", metavar="RUN_B", help="candidate run folder")
    cmp.add_argument("--metric", help="metric to gate on, e.g. claims.ece_width")
    cmp.add_argument("--tolerance", type=float, default=0.0, help="allowed worsening")
    cmp.add_argument("--n-boot", type=_count(0), default=1000, help="bootstrap resamples")
    cmp.set_defaults(func=cmd_compare)

    cal = sub.add_parser(
        "calibrate",
        help="fit isotonic and Platt maps on a run's labeled claims",
        description="Fit on the claims of an eval run that have gold (the suite's, or a label "
        "from its label file, which takes precedence) and on the labelled claims of traces "
        "(--labels-from: each claim's recorded support and its label).",
    )
    cal.add_argument("run", nargs="?", metavar="RUN", help="run folder")
    cal.add_argument(
        "--labels-from",
        action="append",
        metavar="TRACE",
        help="a trace (or run folder) whose labels (agentguard label) are fitted on too; "
        "repeatable",
    )
    cal.add_argument("-o", "--output", required=True, metavar="FILE", help="calibration JSON")
    cal.add_argument("--folds", type=_count(2), default=5, help="cross-validation folds")
    cal.add_argument("--seed", type=int, default=0, help="fold shuffle seed")
    cal.set_defaults(func=cmd_calibrate)
