"""Anthropic's Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`) behind the
gateway's client interface: an OpenAI-style body in, OpenAI-style chunks out.

Request: system messages become `system`; image parts (data URLs) become base64 `image` blocks;
assistant tool calls become `tool_use` blocks and tool results `tool_result` blocks of a user
turn; tools get `input_schema`; `max_tokens` is required by the API (default below).
Stream: `message_start` (input tokens) → per block `content_block_start` (a `tool_use` block
carries id + name) → `content_block_delta` (`text_delta`, or `input_json_delta` argument
fragments) → `content_block_stop` → `message_delta` (stop reason, output tokens) →
`message_stop`; `ping` is skipped and an `error` event fails the attempt. A stream that ends
before `message_stop` is cut. No structured output here: the prompt asks for JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from ..openai_compat import SSEDecoder, UpstreamError, json_object, new_session, raise_for_status
from ..toolcalls import arguments_object

if TYPE_CHECKING:
    import aiohttp

DEFAULT_MAX_TOKENS = 4096
_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool_calls", "max_tokens": "length"}


def _image_block(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        media_type, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content or ():
        if part.get("type") == "text" and part.get("text"):
            blocks.append({"type": "text", "text": part["text"]})
        elif part.get("type") == "image_url":
            blocks.append(_image_block(part["image_url"]["url"]))
    return blocks


def request_body(body: dict[str, Any]) -> dict[str, Any]:
    """The Messages API body for an OpenAI-style chat body."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if turns and turns[-1]["role"] == role:  # tool results after each other: one user turn
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})

    for message in body["messages"]:
        role = message.get("role")
        if role == "system":
            system.append(message["content"] if isinstance(message["content"], str) else "")
        elif role == "tool":
            add(
                "user",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": message.get("tool_call_id", ""),
                        "content": str(message.get("content") or ""),
                    }
                ],
            )
        elif role == "assistant":
            blocks = _content(message.get("content"))
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.get("id"),
                        "name": function.get("name"),
                        "input": arguments_object(function.get("arguments")),
                    }
                )
            add("assistant", blocks)
        else:
            add("user", _content(message.get("content")))
    out: dict[str, Any] = {
        "model": body["model"],
        "messages": turns,
        "max_tokens": body.get("max_tokens") or DEFAULT_MAX_TOKENS,
    }
    if system:
        out["system"] = "\n\n".join(s for s in system if s)
    if body.get("temperature") is not None:
        out["temperature"] = body["temperature"]
    if body.get("tools"):
        out["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters") or {"type": "object", "properties": {}},
            }
            for t in body["tools"]
        ]
    if body.get("stream"):
        out["stream"] = True
    return out


def _usage(usage: dict[str, Any]) -> dict[str, int]:
    prompt = sum(
        int(usage.get(k) or 0) for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    )
    return {"prompt_tokens": prompt, "completion_tokens": int(usage.get("output_tokens") or 0)}


def completion(message: dict[str, Any]) -> dict[str, Any]:
    """A Messages API response as an OpenAI chat completion."""
    text = "".join(b.get("text", "") for b in message.get("content") or () if b.get("type") == "text")
    calls = [
        {
            "id": b["id"],
            "type": "function",
            "function": {"name": b["name"], "arguments": json.dumps(b.get("input") or {})},
        }
        for b in message.get("content") or ()
        if b.get("type") == "tool_use"
    ]
    reply: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        reply["tool_calls"] = calls
    return {
        "model": message.get("model"),
        "choices": [
            {"index": 0, "message": reply, "finish_reason": _FINISH.get(message.get("stop_reason") or "", "stop")}
        ],
        "usage": _usage(message.get("usage") or {}),
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class StreamTranslator:
    """Messages API stream events to OpenAI-style chunks."""

    def __init__(self) -> None:
        self.usage: dict[str, Any] = {}
        self.model: str | None = None
        self.stopped = False

    def feed(self, event: dict[str, Any]) -> dict[str, Any] | None:
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self.model = message.get("model")
            self.usage.update(message.get("usage") or {})
            return None
        if kind == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "tool_use":
                fragment = {
                    "index": event["index"],
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": ""},
                }
                return _chunk({"tool_calls": [fragment]})
            if block.get("type") == "text" and block.get("text"):
                return _chunk({"content": block["text"]})
            return None
        if kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                return _chunk({"content": delta.get("text", "")})
            if delta.get("type") == "input_json_delta":
                fragment = {"index": event["index"], "function": {"arguments": delta.get("partial_json", "")}}
                return _chunk({"tool_calls": [fragment]})
            return None  # thinking, signatures: not part of the answer
        if kind == "message_delta":
            self.usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
            reason = (event.get("delta") or {}).get("stop_reason")
            return _chunk({}, _FINISH.get(reason, "stop")) if reason else None
        if kind == "message_stop":
            self.stopped = True
            return {"model": self.model, "choices": [], "usage": _usage(self.usage)}
        return None  # ping, content_block_stop


class AnthropicClient:
    structured_output = False

    def __init__(self, base_url: str, api_key: str, *, version: str, connect_timeout_s: float):
        self.url = base_url.rstrip("/") + "/v1/messages"
        self._headers = {"x-api-key": api_key, "anthropic-version": version, "content-type": "application/json"}
        self._connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = new_session(self._headers, self._connect_timeout_s)
        return self._session

    async def complete(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        payload = json.dumps(request_body({**body, "stream": False}))
        async with self._http().post(self.url, data=payload, headers=headers) as response:
            await raise_for_status(response)
            return completion(json_object(await response.read(), "response"))

    async def stream(
        self, body: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        translator = StreamTranslator()
        async with self._http().post(self.url, data=json.dumps(request_body(body)), headers=headers) as response:
            await raise_for_status(response)
            decoder = SSEDecoder()
            async for data in response.content.iter_any():
                for event in decoder.feed(data):
                    if (chunk := translator.feed(event)) is not None:
                        yield chunk
            last = decoder.leftover()
            if last is not None and (chunk := translator.feed(last)) is not None:
                yield chunk
        if not translator.stopped:
            raise UpstreamError("the stream ended before message_stop", kind="stream_cut")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
