"""Ollama's native chat API (`POST /api/chat`, NDJSON streaming) behind the gateway's client
interface. (Its OpenAI-compatible `/v1` is served by `openai_compat` instead: OLLAMA_API=openai.)

Request: messages keep their roles; image parts become the message's `images` (base64, no data
URL prefix); assistant tool calls carry `arguments` as an object; tools keep the OpenAI shape;
`temperature` / `max_tokens` go into `options` (`num_predict`); a JSON-schema `response_format`
becomes `format` (structured output). Stream: one JSON object per line, `message.content` pieces
and whole `message.tool_calls`, then a line with `"done": true`, `done_reason` and the token
counts (`prompt_eval_count`, `eval_count`); an `{"error": …}` line fails the attempt. A stream that
ends without its `done` line is cut.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from ..openai_compat import UpstreamError, json_object, new_session, raise_for_status
from ..toolcalls import arguments_object

if TYPE_CHECKING:
    import aiohttp


def request_body(body: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    for message in body["messages"]:
        out: dict[str, Any] = {"role": message.get("role")}
        content = message.get("content")
        if isinstance(content, list):
            out["content"] = "\n".join(p["text"] for p in content if p.get("type") == "text")
            urls = [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]
            if urls:
                out["images"] = [u.split(";base64,", 1)[1] for u in urls if ";base64," in u]
        else:
            out["content"] = content or ""
        if message.get("tool_calls"):
            out["tool_calls"] = [
                {
                    "function": {
                        "name": c["function"]["name"],
                        "arguments": arguments_object(c["function"].get("arguments")),
                    }
                }
                for c in message["tool_calls"]
            ]
        if message.get("role") == "tool" and message.get("name"):
            out["tool_name"] = message["name"]
        messages.append(out)
    native: dict[str, Any] = {"model": body["model"], "messages": messages, "stream": bool(body.get("stream"))}
    options: dict[str, Any] = {}
    if body.get("temperature") is not None:
        options["temperature"] = body["temperature"]
    if body.get("max_tokens") is not None:
        options["num_predict"] = body["max_tokens"]
    if options:
        native["options"] = options
    if body.get("tools"):
        native["tools"] = body["tools"]
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
    if schema:
        native["format"] = schema
    return native


class _Translator:
    """Native lines to OpenAI-style chunks; tool calls numbered across the whole answer."""

    def __init__(self) -> None:
        self.calls = 0
        self.done = False

    def chunk(self, line: dict[str, Any]) -> dict[str, Any]:
        message = line.get("message") or {}
        delta: dict[str, Any] = {}
        if message.get("content"):
            delta["content"] = message["content"]
        calls = []
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            arguments = function.get("arguments")
            calls.append(
                {
                    "index": self.calls,
                    "id": call.get("id") or f"call_{uuid.uuid4().hex[:12]}",
                    "type": "function",
                    "function": {
                        "name": function.get("name"),
                        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
                    },
                }
            )
            self.calls += 1
        if calls:
            delta["tool_calls"] = calls
        finish = None
        out: dict[str, Any] = {"model": line.get("model")}
        if line.get("done"):
            self.done = True
            reason = line.get("done_reason") or "stop"
            finish = "tool_calls" if self.calls and reason == "stop" else reason
            out["usage"] = {
                "prompt_tokens": int(line.get("prompt_eval_count") or 0),
                "completion_tokens": int(line.get("eval_count") or 0),
            }
        out["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
        return out


class OllamaClient:
    structured_output = True

    def __init__(self, base_url: str, *, connect_timeout_s: float):
        self.url = base_url.rstrip("/") + "/api/chat"
        self._connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = new_session({"Content-Type": "application/json"}, self._connect_timeout_s)
        return self._session

    async def complete(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        payload = json.dumps(request_body({**body, "stream": False}))
        async with self._http().post(self.url, data=payload, headers=headers) as response:
            await raise_for_status(response)
            line = json_object(await response.read(), "response")
        chunk = _Translator().chunk(line)
        choice = chunk["choices"][0]
        message = {
            "role": "assistant",
            "content": choice["delta"].get("content"),
            "tool_calls": choice["delta"].get("tool_calls"),
        }
        return {
            "model": chunk["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": choice["finish_reason"]}],
            "usage": chunk.get("usage"),
        }

    async def stream(
        self, body: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        translator = _Translator()
        buffer = b""
        async with self._http().post(self.url, data=json.dumps(request_body(body)), headers=headers) as response:
            await raise_for_status(response)
            async for data in response.content.iter_any():
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield translator.chunk(json_object(line, "stream line"))
            if buffer.strip():
                yield translator.chunk(json_object(buffer, "stream line"))
        if not translator.done:
            raise UpstreamError("the stream ended without its done line", kind="stream_cut")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
