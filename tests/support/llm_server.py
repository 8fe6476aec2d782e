"""A scripted OpenAI-compatible LLM server for tests: real HTTP on 127.0.0.1, real SSE streaming.

Tests queue `Reply`s; each request to `POST /v1/chat/completions` consumes one (or the default
reply when the queue is empty) and `requests` keeps every JSON body received, so a test can
assert what the model was sent. `POST /v1/embeddings` answers deterministic vectors (hashed
words, EMBEDDING_DIMENSIONS wide), its bodies kept in `embedding_requests`; `embeddings_status`
other than 200 makes it fail. Failures are injectable: an HTTP status with an error body, a
delay before the first token, a connection cut after N chunks.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .servers import LiveServer


@dataclass(frozen=True)
class ScriptedToolCall:
    name: str
    arguments: str  # raw JSON text, sent as is (so tests can send malformed JSON)
    id: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str = ""
    tool_calls: list[ScriptedToolCall] = field(default_factory=list)
    chunk_size: int = 4  # characters per content / argument fragment
    status: int = 200
    error_body: dict[str, Any] | None = None
    delay_first_token_s: float = 0.0
    delay_between_chunks_s: float = 0.0
    cut_after_chunks: int | None = None  # drop the connection after this many SSE chunks
    error_after_chunks: int | None = None  # send an error object in the stream after N chunks, then end
    usage: tuple[int, int] = (10, 5)
    cost: float | None = None  # reported like OpenRouter: usage.cost
    model: str | None = None  # model name reported back (default: the one requested)
    finish_reason: str | None = None  # default: "tool_calls" with tool calls, else "stop"
    retry_after_s: float | None = None


EMBEDDING_DIMENSIONS = 64


def hashed_embedding(text: str) -> list[float]:
    """A deterministic unit vector: each word (its first five letters) adds to one coordinate."""
    import hashlib
    import math
    import re

    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.sha256(word[:5].encode()).hexdigest(), 16) % EMBEDDING_DIMENSIONS] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class _CutConnection(Exception):
    """Raised inside the response body to make uvicorn drop the connection mid-stream."""


def _fragments(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or []


class ScriptedLLMServer:
    def __init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.default_reply = Reply(text="ok")
        self.embedding_requests: list[dict[str, Any]] = []
        self.embeddings_status = 200
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._completions, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )
        self._server: LiveServer | None = None

    # --- test API
    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"{self._server.url}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.embedding_requests.clear()
        self.default_reply = Reply(text="ok")
        self.embeddings_status = 200

    @property
    def pending(self) -> int:
        return len(self._queue)

    def start(self) -> ScriptedLLMServer:
        self._server = LiveServer(self.app, access_log=False).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    # --- HTTP
    def _next(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default_reply

    def _reply_for(self, body: dict[str, Any]) -> Reply:
        """The reply to this request (a subclass may choose by what was sent)."""
        return self._next()

    async def _embeddings(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.embedding_requests.append(body)
        if self.embeddings_status != 200:
            error = {"error": {"message": "scripted embeddings failure", "code": self.embeddings_status}}
            return JSONResponse(error, status_code=self.embeddings_status)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": hashed_embedding(t)} for i, t in enumerate(texts)]
        return JSONResponse({"object": "list", "data": data, "model": body.get("model")})

    async def _models(self, _: Request) -> Response:
        return JSONResponse({"object": "list", "data": []})

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        reply = self._reply_for(body)
        if reply.status != 200:
            if reply.delay_first_token_s:
                await asyncio.sleep(reply.delay_first_token_s)
            error = reply.error_body or {
                "error": {
                    "message": f"scripted status {reply.status}",
                    "type": "server_error",
                    "code": reply.status,
                }
            }
            headers = {"retry-after": str(reply.retry_after_s)} if reply.retry_after_s is not None else None
            return JSONResponse(error, status_code=reply.status, headers=headers)
        model = reply.model or str(body.get("model", "scripted"))
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(self._sse(reply, model, include_usage), media_type="text/event-stream")
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        return JSONResponse(self._full(reply, model))

    # --- payloads
    @staticmethod
    def _usage(reply: Reply) -> dict[str, Any]:
        prompt, completion = reply.usage
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        if reply.cost is not None:
            usage["cost"] = reply.cost
        return usage

    @staticmethod
    def _finish(reply: Reply) -> str:
        return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")

    def _full(self, reply: Reply, model: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": tc.id or f"call_{i}_{uuid.uuid4().hex[:8]}",
                    "type": "function",
                    "function": {"name": tc.name, "arguments": tc.arguments},
                }
                for i, tc in enumerate(reply.tool_calls)
            ]
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": self._finish(reply)}],
            "usage": self._usage(reply),
        }

    def _chunks(self, reply: Reply, model: str, include_usage: bool) -> list[dict[str, Any]]:
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        chunks = [chunk({"role": "assistant", "content": ""})]
        chunks += [chunk({"content": piece}) for piece in _fragments(reply.text, reply.chunk_size)]
        for index, tc in enumerate(reply.tool_calls):
            # Like OpenAI: id + name first (empty arguments), then argument fragments by index.
            chunks.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": tc.id or f"call_{index}_{uuid.uuid4().hex[:8]}",
                                "type": "function",
                                "function": {"name": tc.name, "arguments": ""},
                            }
                        ]
                    }
                )
            )
            chunks += [
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                for piece in _fragments(tc.arguments, reply.chunk_size)
            ]
        chunks.append(chunk({}, self._finish(reply)))
        if include_usage:
            chunks.append(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": self._usage(reply),
                }
            )
        return chunks

    async def _sse(self, reply: Reply, model: str, include_usage: bool) -> AsyncIterator[bytes]:
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        for n, payload in enumerate(self._chunks(reply, model, include_usage)):
            if reply.cut_after_chunks is not None and n >= reply.cut_after_chunks:
                # Let the client read what was sent: the abort may reset the connection, and a
                # reset discards data still unread in the client's socket buffer.
                await asyncio.sleep(0.1)
                raise _CutConnection("scripted cut")
            if reply.error_after_chunks is not None and n >= reply.error_after_chunks:
                # What OpenRouter and vLLM do when the model fails after the 200 went out.
                error = {"error": {"message": "scripted upstream failure", "code": 502}}
                yield f"data: {json.dumps(error)}\n\n".encode()
                return
            if n and reply.delay_between_chunks_s:
                await asyncio.sleep(reply.delay_between_chunks_s)
            yield f"data: {json.dumps(payload)}\n\n".encode()
        yield b"data: [DONE]\n\n"
