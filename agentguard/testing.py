"""A scripted OpenAI-compatible server on 127.0.0.1, for offline examples, tests and benchmarks.

The caller queues replies (text, tool calls, an HTTP error, optionally after a delay); the
server records every request it gets and answers each with the next reply in the queue. It
speaks the two APIs an OpenAI client uses for chat:

- `POST /v1/chat/completions`: a `chat.completion`, or with `"stream": true` server-sent
  `chat.completion.chunk` events (the text a few words per chunk, each tool call's arguments
  in pieces, then the finish chunk, a usage chunk when `stream_options.include_usage`, and
  `[DONE]`);
- `POST /v1/responses`: a `response`, or with `"stream": true` the Responses API's events
  (`response.created`, `response.output_text.delta`, `response.function_call_arguments.delta`,
  ..., `response.completed`).

Nothing here is a model: the replies are whatever the caller queued, whatever was asked.

Example:
    >>> from agentguard.testing import ChatServer
    >>> with ChatServer() as server:  # doctest: +SKIP
    ...     server.say("Hello")
    ...     client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["PATHS", "RESPONSES_PATHS", "ChatServer", "Reply", "Request", "completion"]

PATHS = ("/v1/chat/completions", "/chat/completions")
"""Where chat completions are served."""
RESPONSES_PATHS = ("/v1/responses", "/responses")
"""Where the Responses API is served."""


@dataclass
class Reply:
    """One scripted answer: a completion, or an HTTP error when `status` is not 200."""

    content: str | None = None
    tool_calls: list[tuple[str, str, str]] = field(default_factory=list)
    """Tool calls, each `(id, name, arguments JSON text)`."""
    status: int = 200
    error: str = ""
    delay: float = 0.0
    """Seconds to wait before answering."""
    words_per_chunk: int = 3
    """How many words of text each streamed chunk carries."""


@dataclass
class Request:
    """A request the server received."""

    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: dict[str, Any]


class ChatServer:
    """The server; a context manager that serves from a daemon thread while open."""

    def __init__(self) -> None:
        """Bind to a free port on 127.0.0.1 (serving starts with `with`)."""
        self.replies: list[Reply] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        """The server's root URL; an OpenAI client's `base_url` is this plus `/v1`."""

    def say(self, text: str, *, delay: float = 0.0, words_per_chunk: int = 3) -> None:
        """Queue a text answer."""
        self.replies.append(Reply(content=text, delay=delay, words_per_chunk=words_per_chunk))

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


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
        for i, n, a in reply.tool_calls
    ]


def completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """A `chat.completion` object for `reply` to the request `body`."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = _calls(reply)
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


def _pieces(text: str, words: int) -> list[str]:
    """`text` cut after every `words` words, spaces kept, so the pieces join back to it."""
    out, count, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == " " and i and text[i - 1] != " ":
            count += 1
            if count % max(words, 1) == 0:
                out.append(text[start : i + 1])
                start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def completion_chunks(body: dict[str, Any], reply: Reply) -> Iterator[dict[str, Any]]:
    """The `chat.completion.chunk` objects streaming `reply`."""
    base = {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "test-model"),
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    for piece in _pieces(reply.content or "", reply.words_per_chunk):
        yield chunk({"content": piece})
    for n, (i, name, args) in enumerate(reply.tool_calls):
        head = {
            "index": n,
            "id": i,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        yield chunk({"tool_calls": [head]})
        for a in range(0, len(args), 8):
            part = {"index": n, "function": {"arguments": args[a : a + 8]}}
            yield chunk({"tool_calls": [part]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        yield {**base, "choices": [], "usage": usage}


def response(body: dict[str, Any], reply: Reply, rid: str | None = None) -> dict[str, Any]:
    """A Responses API `response` object for `reply` (with id `rid`, or a new one)."""
    return {**_response_head(body, "completed", rid), "output": _output_items(reply)}


def _response_head(body: dict[str, Any], status: str, rid: str | None = None) -> dict[str, Any]:
    return {
        "id": rid or f"resp_{time.monotonic_ns()}",
        "object": "response",
        "created_at": int(time.time()),
        "model": body.get("model", "test-model"),
        "status": status,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools") or [],
        "output": [],
        "usage": {
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _message_item(text: str) -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": []}
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [part],
    }


def _call_item(n: int, call: tuple[str, str, str]) -> dict[str, Any]:
    call_id, name, args = call
    return {
        "id": f"fc_{n}",
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": args,
        "status": "completed",
    }


def _output_items(reply: Reply) -> list[dict[str, Any]]:
    items = [_message_item(reply.content)] if reply.content else []
    return items + [_call_item(n, c) for n, c in enumerate(reply.tool_calls)]


def response_events(body: dict[str, Any], reply: Reply) -> Iterator[dict[str, Any]]:
    """The Responses API's streaming events for `reply`, numbered in order."""
    head = _response_head(body, "in_progress")
    rid = head["id"]
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": head},
        {"type": "response.in_progress", "response": head},
    ]
    index = 0
    if reply.content:
        item = _message_item(reply.content)
        empty = {**item, "status": "in_progress", "content": []}
        at = {"item_id": item["id"], "output_index": index}
        events.append({"type": "response.output_item.added", "item": empty, **at})
        part = {"type": "output_text", "text": "", "annotations": []}
        events.append(
            {"type": "response.content_part.added", "part": part, "content_index": 0, **at}
        )
        for piece in _pieces(reply.content, reply.words_per_chunk):
            delta = {"type": "response.output_text.delta", "delta": piece, "logprobs": []}
            events.append({**delta, "content_index": 0, **at})
        done = {"type": "response.output_text.done", "text": reply.content, "logprobs": []}
        events.append({**done, "content_index": 0, **at})
        full = item["content"][0]
        events.append(
            {"type": "response.content_part.done", "part": full, "content_index": 0, **at}
        )
        events.append({"type": "response.output_item.done", "item": item, **at})
        index += 1
    for n, call in enumerate(reply.tool_calls):
        item = _call_item(n, call)
        at = {"item_id": item["id"], "output_index": index}
        events.append(
            {"type": "response.output_item.added", "item": {**item, "arguments": ""}, **at}
        )
        for a in range(0, len(call[2]), 8):
            delta = {"type": "response.function_call_arguments.delta", "delta": call[2][a : a + 8]}
            events.append({**delta, **at})
        done = {"type": "response.function_call_arguments.done", "arguments": call[2]}
        events.append({**done, "name": call[1], **at})
        events.append({"type": "response.output_item.done", "item": item, **at})
        index += 1
    events.append({"type": "response.completed", "response": response(body, reply, rid)})
    for seq, event in enumerate(events):
        yield {**event, "sequence_number": seq}


class _Handler(BaseHTTPRequestHandler):
    """Answers each request with the next reply of `chat_server`."""

    protocol_version = "HTTP/1.1"
    chat_server: ChatServer

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        if self.path not in PATHS + RESPONSES_PATHS:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw or b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        server = self.chat_server
        reply = server.next_reply(Request(self.path, headers, body))
        if reply.delay:
            server.wait(reply.delay)
        self._answer(body, reply)

    def _answer(self, body: dict[str, Any], reply: Reply) -> None:
        chat = self.path in PATHS
        if reply.status != 200:
            error = {
                "message": reply.error,
                "type": "server_error",
                "param": None,
                "code": None,
            }
            self._send(reply.status, {"error": error})
        elif body.get("stream"):
            events = completion_chunks(body, reply) if chat else response_events(body, reply)
            self._stream(events, named=not chat)
        else:
            self._send(200, completion(body, reply) if chat else response(body, reply))

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

    def _stream(self, events: Iterator[dict[str, Any]], *, named: bool) -> None:
        """Server-sent events, one write each, so a client reads them as they come."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for event in events:
                name = f"event: {event['type']}\n" if named else ""
                self.wfile.write(f"{name}data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
            if not named:
                self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:  # the client closed the stream early
            pass
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"chat_server": server})
