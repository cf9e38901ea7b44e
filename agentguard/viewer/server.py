"""The viewer's web server: the page and its JSON API, on the loopback interface.

Built on the standard library's `http.server` (a thread per request). Every request is
answered on its own: a record that cannot be read, a bad filter or a failing handler gives an
error answer for that request only, never a stopped server. Requests whose `Host` is not the
address served are refused, so a web page elsewhere cannot reach the API through a DNS name
that points here; labels are saved only from a JSON `POST`, which a page of another origin
cannot send without the browser asking first.

Routes:
    `GET /`: the page. `GET /api/status`: indexing progress, warnings, unreadable lines.
    `GET /api/rows?...`: a page of records (filters as `filters_of` reads them; a key or
    value it does not take is a 400 naming the key).
    `GET /api/record/LINE`: a whole record, its sources and labels. `GET /api/summary?...`:
    flagged claims by tool and parameter. `GET /api/run`: an eval run's figures and misses.
    `POST /api/labels`: `{"line", "claim_id", "correct", "note", "by"}` saves a label.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agentguard.errors import InputError, clip
from agentguard.viewer.data import TraceView
from agentguard.viewer.page import render_page

__all__ = ["ViewServer", "serve"]

_MAX_BODY = 1 << 16


class ViewServer(ThreadingHTTPServer):
    """An HTTP server for one `TraceView`."""

    daemon_threads = True

    def __init__(self, view: TraceView, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind to `host:port` (port 0: a free one); nothing is served until `serve_forever`."""
        self.view = view
        super().__init__((host, port), _Handler)
        self._page: bytes | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def page(self) -> bytes:
        """The page, rendered once."""
        if self._page is None:
            self._page = render_page(None, title=str(self.view.path)).encode("utf-8")
        return self._page

    def allowed_host(self, header: str | None) -> bool:
        """Whether a request's `Host` names this server (by its address, or localhost)."""
        if not header:
            return False
        port = self.server_address[1]
        host = str(self.server_address[0])
        names = {host, f"[{host}]", "localhost", "127.0.0.1", "[::1]"}
        return header in {f"{n}:{port}" for n in names} | names


class _Handler(BaseHTTPRequestHandler):
    server: ViewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command prints its address, not every request."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        """Answer the page and the API's reads."""
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        """Answer the API's writes (labels)."""
        self._answer("POST")

    def _answer(self, method: str) -> None:
        if not self.server.allowed_host(self.headers.get("Host")):
            self._json({"error": "this server answers only on its own address"}, 403)
            return
        url = urlsplit(self.path)
        try:
            if method == "GET" and url.path in ("/", "/index.html"):
                self._send(self.server.page(), "text/html; charset=utf-8")
            elif method == "GET":
                self._json(self._get(url.path, parse_qs(url.query)))
            elif url.path == "/api/labels":
                self._json(self.server.view.label(self._body()), 201)
            else:
                self._json({"error": "not found"}, 404)
        except _NotFound:
            self._json({"error": "not found"}, 404)
        except InputError as exc:
            self._json({"error": clip(str(exc), 300), "where": exc.where}, 400)
        except Exception as exc:  # noqa: BLE001 - one failing request must not stop the server
            self._json({"error": f"{type(exc).__name__}: {clip(str(exc), 200)}"}, 500)

    def _get(self, path: str, query: dict[str, list[str]]) -> Any:
        view = self.server.view
        if path == "/api/status":
            return view.status()
        if path == "/api/rows":
            return view.rows(query)
        if path == "/api/summary":
            return view.summary(query)
        if path == "/api/run":
            if view.run is None:
                raise _NotFound
            return view.run.view()
        if path.startswith("/api/record/"):
            line = path.removeprefix("/api/record/")
            if not line.isdigit():
                raise InputError("line", f"not a line number: {clip(line, 20)}")
            return view.record(int(line))
        raise _NotFound

    def _body(self) -> dict[str, Any]:
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            raise InputError("request", "labels are sent as application/json")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= _MAX_BODY:
            raise InputError("request", "the body is empty or too large")
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            raise InputError("request", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise InputError("request", "the body must be a JSON object")
        return body

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(json.dumps(data).encode("utf-8"), "application/json", status)

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:; connect-src 'self'",
        )
        self.end_headers()
        self.wfile.write(body)


class _NotFound(Exception):
    """No such route."""


def serve(view: TraceView, host: str = "127.0.0.1", port: int = 0) -> ViewServer:
    """Start serving `view` in a background thread; returns the server (see `.url`).

    Example:
        >>> server = serve(TraceView("trace.jsonl"))  # doctest: +SKIP
        >>> server.url  # doctest: +SKIP
        'http://127.0.0.1:40123/'
        >>> server.shutdown()  # doctest: +SKIP
    """
    view.start()
    server = ViewServer(view, host, port)
    threading.Thread(target=server.serve_forever, name="agentguard-view", daemon=True).start()
    return server
