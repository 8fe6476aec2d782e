"""A fake Ollama native chat API (`POST /api/chat`): newline-delimited JSON when streaming — one
object per line with `message.content` pieces, tool calls whole in `message.tool_calls`
(`arguments` an object), then a `"done": true` line with `done_reason`, `prompt_eval_count` and
`eval_count`; errors are `{"error": "…"}` (as the HTTP body, or as a line mid-stream). No auth.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .llm_server import Reply, ScriptedLLMServer, _CutConnection, _fragments


class FakeOllama(ScriptedLLMServer):
    def __init__(self) -> None:
        super().__init__()
        self.app = Starlette(routes=[Route("/api/chat", self._chat, methods=["POST"])])

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return self._server.url

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        reply = self._next()
        if reply.status != 200:
            headers = {"retry-after": str(reply.retry_after_s)} if reply.retry_after_s is not None else None
            return JSONResponse({"error": f"scripted status {reply.status}"}, status_code=reply.status, headers=headers)
        model = reply.model or body["model"]
        if body.get("stream", True):
            return StreamingResponse(self._ndjson(reply, model), media_type="application/x-ndjson")
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        line = self._done_line(reply, model)
        line["message"] = {"role": "assistant", "content": reply.text, **self._calls(reply)}
        return JSONResponse(line)

    @staticmethod
    def _calls(reply: Reply) -> dict[str, Any]:
        if not reply.tool_calls:
            return {}
        return {
            "tool_calls": [
                {"function": {"name": tc.name, "arguments": json.loads(tc.arguments)}} for tc in reply.tool_calls
            ]
        }

    @staticmethod
    def _done_line(reply: Reply, model: str) -> dict[str, Any]:
        return {
            "model": model,
            "created_at": datetime.now(UTC).isoformat(),
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": reply.finish_reason or "stop",
            "total_duration": 1_000_000,
            "prompt_eval_count": reply.usage[0],
            "eval_count": reply.usage[1],
        }

    def _lines(self, reply: Reply, model: str) -> list[dict[str, Any]]:
        now = datetime.now(UTC).isoformat()
        lines = [
            {"model": model, "created_at": now, "message": {"role": "assistant", "content": piece}, "done": False}
            for piece in _fragments(reply.text, reply.chunk_size)
        ]
        # Each call whole, one line per call (Ollama does not fragment arguments).
        for tc in reply.tool_calls:
            call = {"function": {"name": tc.name, "arguments": json.loads(tc.arguments)}}
            lines.append(
                {
                    "model": model,
                    "created_at": now,
                    "message": {"role": "assistant", "content": "", "tool_calls": [call]},
                    "done": False,
                }
            )
        return [*lines, self._done_line(reply, model)]

    async def _ndjson(self, reply: Reply, model: str) -> AsyncIterator[bytes]:
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        for n, line in enumerate(self._lines(reply, model)):
            if reply.cut_after_chunks is not None and n >= reply.cut_after_chunks:
                await asyncio.sleep(0.1)
                raise _CutConnection("scripted cut")
            if reply.error_after_chunks is not None and n >= reply.error_after_chunks:
                yield (json.dumps({"error": "scripted failure"}) + "\n").encode()
                return
            if n and reply.delay_between_chunks_s:
                await asyncio.sleep(reply.delay_between_chunks_s)
            yield (json.dumps(line) + "\n").encode()
