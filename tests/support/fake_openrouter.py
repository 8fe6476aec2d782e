"""A fake OpenRouter (`POST /api/v1/chat/completions`): the scripted OpenAI-compatible server plus
what OpenRouter adds on the wire — `: OPENROUTER PROCESSING` comment lines before the first chunk,
a `provider` field on every chunk, `usage.cost` (USD) once the request asks for usage accounting
(`"usage": {"include": true}`), and the attribution headers it reads (`HTTP-Referer`,
`X-Title`), kept in `headers`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .llm_server import Reply, ScriptedLLMServer

PRICE_PER_TOKEN = (0.000001, 0.000004)  # what this fake charges when a reply scripts no cost


class FakeOpenRouter(ScriptedLLMServer):
    def __init__(self, api_key: str = "sk-or-test") -> None:
        super().__init__()
        self.api_key = api_key
        self.headers: list[dict[str, str]] = []
        self._accounting = False
        self.app = Starlette(routes=[Route("/api/v1/chat/completions", self._openrouter, methods=["POST"])])

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"{self._server.url}/api/v1"

    def reset(self) -> None:
        super().reset()
        self.headers.clear()

    async def _openrouter(self, request: Request) -> Response:
        self.headers.append(dict(request.headers))
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": {"message": "No auth credentials found", "code": 401}}, status_code=401)
        body = await request.json()
        self._accounting = bool((body.get("usage") or {}).get("include"))
        return await self._completions(request)

    def _usage(self, reply: Reply) -> dict[str, Any]:  # type: ignore[override]
        usage = ScriptedLLMServer._usage(reply)
        if self._accounting:
            prompt, completion = reply.usage
            cost = (
                reply.cost if reply.cost is not None else prompt * PRICE_PER_TOKEN[0] + completion * PRICE_PER_TOKEN[1]
            )
            usage |= {"cost": cost, "is_byok": False, "prompt_tokens_details": {"cached_tokens": 0}}
        return usage

    def _chunks(self, reply: Reply, model: str, include_usage: bool) -> list[dict[str, Any]]:
        return [{**c, "provider": "OpenAI"} for c in super()._chunks(reply, model, include_usage)]

    def _full(self, reply: Reply, model: str) -> dict[str, Any]:
        return {**super()._full(reply, model), "provider": "OpenAI"}

    async def _sse(self, reply: Reply, model: str, include_usage: bool) -> AsyncIterator[bytes]:
        yield b": OPENROUTER PROCESSING\n\n"
        async for piece in super()._sse(reply, model, include_usage):
            yield piece
