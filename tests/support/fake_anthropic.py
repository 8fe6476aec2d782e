"""A fake Anthropic Messages API (`POST /v1/messages`) speaking its documented wire format.

Auth: `x-api-key` must match and `anthropic-version` must be present (else 401 / 400 with the
API's error body `{"type":"error","error":{"type","message"}}`). Streaming replies are
server-sent events named by their type: `message_start` (usage.input_tokens) → `ping` → per block
`content_block_start` / `content_block_delta` (`text_delta`; `input_json_delta` with
`partial_json` fragments for a `tool_use` block that started with its id and name) /
`content_block_stop` → `message_delta` (stop_reason, usage.output_tokens) → `message_stop`.
`Reply.error_after_chunks` sends an `error` event (overloaded_error) instead of the rest;
`cut_after_chunks` drops the connection. Bodies received are kept in `requests`, headers in
`headers`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .llm_server import Reply, ScriptedLLMServer, _CutConnection, _fragments

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_STOP = {"tool_calls": "tool_use", "stop": "end_turn", "length": "max_tokens"}


def _error(status: int, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message}}


class FakeAnthropic(ScriptedLLMServer):
    def __init__(self, api_key: str = "sk-ant-test") -> None:
        super().__init__()
        self.api_key = api_key
        self.headers: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/v1/messages", self._messages, methods=["POST"])])

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return self._server.url

    def reset(self) -> None:
        super().reset()
        self.headers.clear()

    async def _messages(self, request: Request) -> Response:
        self.headers.append(dict(request.headers))
        if request.headers.get("x-api-key") != self.api_key:
            return JSONResponse(_error(401, "invalid x-api-key"), status_code=401)
        if not request.headers.get("anthropic-version"):
            return JSONResponse(_error(400, "anthropic-version header is required"), status_code=400)
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        if "max_tokens" not in body:
            return JSONResponse(_error(400, "max_tokens: Field required"), status_code=400)
        reply = self._next()
        if reply.status != 200:
            headers = {"retry-after": str(reply.retry_after_s)} if reply.retry_after_s is not None else None
            return JSONResponse(
                _error(reply.status, f"scripted status {reply.status}"), status_code=reply.status, headers=headers
            )
        model = reply.model or body["model"]
        if body.get("stream"):
            return StreamingResponse(self._events(reply, model), media_type="text/event-stream")
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        return JSONResponse(self._message(reply, model))

    @staticmethod
    def _stop_reason(reply: Reply) -> str:
        return _STOP.get(reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop"), "end_turn")

    def _message(self, reply: Reply, model: str) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        content += [
            {
                "type": "tool_use",
                "id": tc.id or f"toolu_{uuid.uuid4().hex[:20]}",
                "name": tc.name,
                "input": json.loads(tc.arguments),
            }
            for tc in reply.tool_calls
        ]
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": self._stop_reason(reply),
            "stop_sequence": None,
            "usage": {"input_tokens": reply.usage[0], "output_tokens": reply.usage[1]},
        }

    def _event_list(self, reply: Reply, model: str) -> list[dict[str, Any]]:
        message = {**self._message(reply, model), "content": [], "stop_reason": None}
        message["usage"] = {"input_tokens": reply.usage[0], "output_tokens": 1}
        events: list[dict[str, Any]] = [{"type": "message_start", "message": message}, {"type": "ping"}]
        index = 0
        if reply.text:
            events.append({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
            events += [
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
                for piece in _fragments(reply.text, reply.chunk_size)
            ]
            events.append({"type": "content_block_stop", "index": 0})
            index = 1
        for tc in reply.tool_calls:
            block = {"type": "tool_use", "id": tc.id or f"toolu_{uuid.uuid4().hex[:20]}", "name": tc.name, "input": {}}
            events.append({"type": "content_block_start", "index": index, "content_block": block})
            events += [
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": piece},
                }
                for piece in _fragments(tc.arguments, reply.chunk_size)
            ]
            events.append({"type": "content_block_stop", "index": index})
            index += 1
        events.append(
            {
                "type": "message_delta",
                "delta": {"stop_reason": self._stop_reason(reply), "stop_sequence": None},
                "usage": {"output_tokens": reply.usage[1]},
            }
        )
        events.append({"type": "message_stop"})
        return events

    async def _events(self, reply: Reply, model: str) -> AsyncIterator[bytes]:
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        for n, event in enumerate(self._event_list(reply, model)):
            if reply.cut_after_chunks is not None and n >= reply.cut_after_chunks:
                await asyncio.sleep(0.1)
                raise _CutConnection("scripted cut")
            if reply.error_after_chunks is not None and n >= reply.error_after_chunks:
                error = _error(529, "Overloaded")
                yield f"event: error\ndata: {json.dumps(error)}\n\n".encode()
                return
            if n and reply.delay_between_chunks_s:
                await asyncio.sleep(reply.delay_between_chunks_s)
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
