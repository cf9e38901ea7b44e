"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for SDK-level tests.

The test queues replies (text, tool calls, an HTTP error, optionally after a delay); the
server records every request it gets and answers each one with the next reply in the queue.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class Reply:
    """One scripted answer: a completion, or an HTTP error when `status` is not 200."""

    content: str | None = None
    tool_calls: list[tuple[str, str, str]] = field(default_factory=list)  # (id, name, args)
    status: int = 200
    error: str = ""
    delay: float = 0.0


@dataclass
class Request:
    """A request the server received."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]


class ChatServer:
    """The server; a context manager that serves from a daemon thread while open.

    Example:
        >>> with ChatServer() as server:  # doctest: +SKIP
        ...     server.say("Hello")
        ...     client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test")
    """

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def say(self, text: str, *, delay: float = 0.0) -> None:
        """Queue a text answer."""
        self.replies.append(Reply(content=text, delay=delay))

    def call(self, *calls: tuple[str, str, str], content: str | None = None) -> None:
        """Queue an answer making tool calls, each `(id, name, arguments JSON text)`."""
        self.replies.append(Reply(content=content, tool_calls=list(calls)))

    def fail(self, status: int = 500, message: str = "The server had an error") -> None:
        """Queue an HTTP error with an OpenAI-style error body."""
        self.replies.append(Reply(status=status, error=message))

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the requests so far."""
        return [r.body for r in self.requests]

    def next_reply(self, request: Request) -> Reply:
        """Record `request` and take the next reply (a 500 when the script is exhausted)."""
        with self._lock:
            self.requests.append(request)
            if not self.replies:
                return Reply(status=500, error="no scripted reply left")
            return self.replies.pop(0)

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()  # wakes delayed handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, less when the server is closing."""
        self._closing.wait(seconds)


def completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A `chat.completion` object for `reply` to the request `body`."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in reply.tool_calls
        ]
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
            if self.path not in PATHS:
                self._send(
                    404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
                )
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = server.next_reply(Request(self.path, headers, body))
            if reply.delay:
                server.wait(reply.delay)
            if reply.status != 200:
                error = {
                    "message": reply.error,
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
                self._send(reply.status, {"error": error})
            else:
                self._send(200, completion(body, reply))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (a timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler
