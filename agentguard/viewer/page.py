"""The viewer's page: HTML, CSS and JavaScript shipped in the package, put together here.

The same page serves both ways: from the server it asks the JSON API; written with `-o`, it
carries its data inside (one `<script type="application/json">` element) and filters it in the
browser. Either way it loads nothing from elsewhere: no CDN, font or image from a URL.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from agentguard.inspection.index import Filters
from agentguard.viewer.data import TraceView

__all__ = ["MAX_EMBEDDED", "embedded_data", "render_page"]

MAX_EMBEDDED = 5_000
"""The most records one HTML file written with `-o` carries."""
_STATIC = Path(__file__).resolve().parent / "static"


def _asset(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON that is safe inside a `<script>` element: no `<`, `>` or `&` that ends it."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(data: dict[str, Any] | None, *, title: str) -> str:
    """The page; with `data` (from `embedded_data`) it needs no server.

    Args:
        data: The embedded records, or None for a page that reads the API.
        title: What the page is of (the trace's path), escaped here.
    """
    embedded = "null" if data is None else _script_json(data)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>agentguard view: {escape(title)}</title>"
        f"<style>{_asset('view.css')}</style></head>"
        f"<body>{_asset('view.html')}"
        f'<script type="application/json" id="embedded">{embedded}</script>'
        f"<script>{_asset('view.js')}</script></body></html>\n"
    )


def embedded_data(view: TraceView, limit: int = MAX_EMBEDDED) -> dict[str, Any]:
    """The records an HTML file carries: the flagged ones first, then others while room is left.

    Each comes whole, with its sources and labels, so the page can show everything offline.
    `shown` and `total` in the result tell how many were left out.
    """
    view.wait()
    index = view.index
    total = index.count(Filters(flagged=False))
    if total <= limit:
        rows = index.rows(Filters(flagged=False), limit=limit)
    else:
        chosen = {r.line: r for r in index.rows(Filters(), limit=limit)}
        offset = 0
        while len(chosen) < limit:
            page = index.rows(Filters(flagged=False), offset=offset, limit=limit)
            for row in page[: limit - len(chosen)]:
                chosen.setdefault(row.line, row)
            if not page:
                break
            offset += len(page)
        rows = [chosen[line] for line in sorted(chosen)]
    records = []
    for row in rows:
        entry = view.row(row)
        if "error" not in entry:
            try:
                entry["detail"] = view.record(row.line)
            except Exception as exc:  # noqa: BLE001 - one bad record becomes an error row
                entry["error"] = (
                    f"line {row.line}: the record cannot be read ({type(exc).__name__})"
                )
        records.append(entry)
    return {
        "status": view.status(),
        "records": records,
        "shown": len(records),
        "total": total,
        "run": view.run.view() if view.run is not None else None,
    }
