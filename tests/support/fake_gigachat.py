"""A fake GigaChat: its OAuth token endpoint and its chat completions API with functions.

- `POST /api/v2/oauth` (form `scope`, headers `Authorization: Basic <key>` and a uuid4 `RqUID`)
  → `{"access_token", "expires_at"}` (epoch milliseconds, `token_ttl_s` from now); a wrong key is
  401, a missing RqUID 400, an unknown scope 400. Every token issued is in `tokens`.
- `POST /api/v1/chat/completions` (Bearer token: unknown or expired → 401): `functions` in; a
  function call comes back whole as `message.function_call` / `delta.function_call` with
  `arguments` as a JSON object and finish reason `function_call`; streaming is SSE `data:` chunks
  with `usage` on the last, then `data: [DONE]`.
- `POST /api/v1/files` (multipart `file`, `purpose`) → `{"id", …}`; the bytes are in `files`, for
  images named in a message's `attachments`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .llm_server import Reply, ScriptedLLMServer, _CutConnection, _fragments

SCOPES = ("GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP")


class FakeGigaChat(ScriptedLLMServer):
    def __init__(self, authorization_key: str = "Z2lnYS1pZDpnaWdhLXNlY3JldA==") -> None:
        super().__init__()
        self.authorization_key = authorization_key
        self.token_ttl_s = 1800.0
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch ms)
        self.token_requests: list[dict[str, str]] = []
        self.files: dict[str, bytes] = {}
        self.app = Starlette(
            routes=[
                Route("/api/v2/oauth", self._oauth, methods=["POST"]),
                Route("/api/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/api/v1/files", self._files, methods=["POST"]),
            ]
        )

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"{self._server.url}/api/v1"

    @property
    def auth_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"{self._server.url}/api/v2/oauth"

    def reset(self) -> None:
        super().reset()
        self.token_ttl_s = 1800.0
        self.tokens.clear()
        self.token_requests.clear()
        self.files.clear()

    @staticmethod
    def _error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"status": status, "message": message}, status_code=status)

    async def _oauth(self, request: Request) -> Response:
        form = await request.form()
        self.token_requests.append({"rquid": request.headers.get("rquid", ""), "scope": str(form.get("scope"))})
        if request.headers.get("authorization") != f"Basic {self.authorization_key}":
            return self._error(401, "Can't decode 'Authorization' header")
        try:
            uuid.UUID(request.headers.get("rquid", ""), version=4)
        except ValueError:
            return self._error(400, "RqUID must be a uuid4")
        if form.get("scope") not in SCOPES:
            return self._error(400, "scope is not valid")
        token = f"giga-token-{uuid.uuid4().hex}"
        expires_at = int((time.time() + self.token_ttl_s) * 1000)
        self.tokens[token] = expires_at
        return JSONResponse({"access_token": token, "expires_at": expires_at})

    def _authorized(self, request: Request) -> bool:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return self.tokens.get(token, 0) > time.time() * 1000

    async def _files(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._error(401, "Token has expired")
        form = await request.form()
        upload = form["file"]
        assert not isinstance(upload, str)
        file_id = str(uuid.uuid4())
        self.files[file_id] = await upload.read()
        return JSONResponse(
            {"id": file_id, "object": "file", "bytes": len(self.files[file_id]), "purpose": form.get("purpose")}
        )

    async def _chat(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._error(401, "Token has expired")
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        reply = self._next()
        if reply.status != 200:
            headers = {"retry-after": str(reply.retry_after_s)} if reply.retry_after_s is not None else None
            return JSONResponse(
                {"status": reply.status, "message": f"scripted status {reply.status}"},
                status_code=reply.status,
                headers=headers,
            )
        model = reply.model or body["model"]
        if body.get("stream"):
            return StreamingResponse(self._sse_chunks(reply, model), media_type="text/event-stream")
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        return JSONResponse(self._completion(reply, model))

    @staticmethod
    def _finish(reply: Reply) -> str:
        return reply.finish_reason or ("function_call" if reply.tool_calls else "stop")

    @staticmethod
    def _usage_of(reply: Reply) -> dict[str, int]:
        prompt, completion = reply.usage
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "precached_prompt_tokens": 0,
        }

    @staticmethod
    def _function_call(reply: Reply) -> dict[str, Any]:
        tc = reply.tool_calls[0]  # one function call per answer
        return {"name": tc.name, "arguments": json.loads(tc.arguments)}

    def _completion(self, reply: Reply, model: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if reply.tool_calls:
            message |= {"function_call": self._function_call(reply), "functions_state_id": str(uuid.uuid4())}
        return {
            "choices": [{"message": message, "index": 0, "finish_reason": self._finish(reply)}],
            "created": int(time.time()),
            "model": model,
            "object": "chat.completion",
            "usage": self._usage_of(reply),
        }

    def _chunk_list(self, reply: Reply, model: str) -> list[dict[str, Any]]:
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice: dict[str, Any] = {"delta": delta, "index": 0}
            if finish:
                choice["finish_reason"] = finish
            return {"choices": [choice], "created": created, "model": model, "object": "chat.completion"}

        chunks = [chunk({"content": piece, "role": "assistant"}) for piece in _fragments(reply.text, reply.chunk_size)]
        if reply.tool_calls:
            call = {
                "content": "",
                "role": "assistant",
                "function_call": self._function_call(reply),
                "functions_state_id": str(uuid.uuid4()),
            }
            chunks.append(chunk(call))
        last = chunk({"content": "", "role": "assistant"}, self._finish(reply))
        last["usage"] = self._usage_of(reply)
        return [*chunks, last]

    async def _sse_chunks(self, reply: Reply, model: str) -> AsyncIterator[bytes]:
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        for n, payload in enumerate(self._chunk_list(reply, model)):
            if reply.cut_after_chunks is not None and n >= reply.cut_after_chunks:
                await asyncio.sleep(0.1)
                raise _CutConnection("scripted cut")
            if reply.error_after_chunks is not None and n >= reply.error_after_chunks:
                yield f"data: {json.dumps({'error': {'message': 'scripted failure', 'code': 500}})}\n\n".encode()
                return
            if n and reply.delay_between_chunks_s:
                await asyncio.sleep(reply.delay_between_chunks_s)
            yield f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()
        yield b"data: [DONE]\n\n"
