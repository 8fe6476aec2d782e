"""GigaChat (Sber) behind the gateway's client interface: OAuth client credentials, its chat
completions API with functions, its Russian CA.

Auth: `POST <auth url>` with `Authorization: Basic <authorization key>` (base64 of
client_id:client_secret), a fresh `RqUID` (uuid4) and the form field `scope`
(GIGACHAT_API_PERS | GIGACHAT_API_B2B | GIGACHAT_API_CORP) answers `{"access_token",
"expires_at"}` (epoch milliseconds; tokens live 30 minutes). The token is kept and fetched again a
minute before it expires, by one request at a time; a 401 from the chat API fetches a new one and
repeats the request once.
Chat: OpenAI-like `POST /chat/completions`, but tools are `functions` (+ `function_call: "auto"`),
a call comes back whole as `message.function_call` (`arguments` a JSON object, not text) with
finish reason `function_call`, a tool result is a `function` message (`name`, JSON content), and
an image is a file uploaded to `POST /files` and named in the message's `attachments`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from ..openai_compat import SSEDecoder, UpstreamError, json_object, new_session, raise_for_status
from ..toolcalls import arguments_object

if TYPE_CHECKING:
    import aiohttp

_REFRESH_MARGIN_MS = 60_000
_FINISH = {"function_call": "tool_calls"}


def authorization_key(credentials: str, client_id: str, client_secret: str) -> str:
    """The Basic authorization key: given whole, or built from the client id and secret."""
    if credentials:
        return credentials
    return base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")


def _json_content(content: Any) -> str:
    """A function result as GigaChat wants it: a JSON object (text is wrapped)."""
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    try:
        if isinstance(json.loads(text), dict):
            return text
    except ValueError:
        pass
    return json.dumps({"result": text}, ensure_ascii=False)


def completion(response: dict[str, Any]) -> dict[str, Any]:
    """A GigaChat response as an OpenAI chat completion (a function call becomes a tool call)."""
    choices = []
    for choice in response.get("choices") or ():
        message = dict(choice.get("message") or {})
        call = message.pop("function_call", None)
        if call:
            message["tool_calls"] = [_tool_call(call, message.get("functions_state_id"))]
        choices.append({**choice, "message": message, "finish_reason": _finish(choice.get("finish_reason"))})
    return {**response, "choices": choices}


def _finish(reason: str | None) -> str | None:
    return _FINISH.get(reason, reason) if reason else None


def _tool_call(call: dict[str, Any], state_id: str | None, index: int | None = None) -> dict[str, Any]:
    arguments = call.get("arguments")
    out: dict[str, Any] = {
        "id": state_id or f"call_{uuid.uuid4().hex[:12]}",
        "type": "function",
        "function": {
            "name": call.get("name"),
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}, ensure_ascii=False),
        },
    }
    if index is not None:
        out["index"] = index
    return out


def stream_chunk(chunk: dict[str, Any]) -> dict[str, Any]:
    """A GigaChat stream chunk as an OpenAI one."""
    choices = []
    for choice in chunk.get("choices") or ():
        delta = dict(choice.get("delta") or {})
        call = delta.pop("function_call", None)
        if call:
            delta["tool_calls"] = [_tool_call(call, delta.get("functions_state_id"), index=choice.get("index", 0))]
        choices.append({**choice, "delta": delta, "finish_reason": _finish(choice.get("finish_reason"))})
    return {**chunk, "choices": choices}


class GigaChatClient:
    structured_output = False

    def __init__(
        self,
        base_url: str,
        auth_url: str,
        authorization_key: str,
        *,
        scope: str,
        ca_file: str,
        connect_timeout_s: float,
    ):
        self.base_url = base_url.rstrip("/")
        self.auth_url = auth_url
        self._key = authorization_key
        self.scope = scope
        self._ca_file = ca_file
        self._connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._expires_at_ms = 0.0
        self._lock: asyncio.Lock | None = None
        self.tokens_fetched = 0

    def __repr__(self) -> str:  # never the key or the token
        return f"GigaChatClient({self.base_url!r}, scope={self.scope!r})"

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = new_session({"Accept": "application/json"}, self._connect_timeout_s, self._ca_file)
        return self._session

    # --- auth
    async def token(self) -> str:
        if self._token and time.time() * 1000 < self._expires_at_ms - _REFRESH_MARGIN_MS:
            return self._token
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one refresh at a time; the others use its token
            if self._token and time.time() * 1000 < self._expires_at_ms - _REFRESH_MARGIN_MS:
                return self._token
            headers = {
                "Authorization": f"Basic {self._key}",
                "RqUID": str(uuid.uuid4()),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            async with self._http().post(self.auth_url, data={"scope": self.scope}, headers=headers) as response:
                await raise_for_status(response)
                payload = json_object(await response.read(), "token response")
            token, expires_at = payload.get("access_token"), payload.get("expires_at")
            if not isinstance(token, str) or not isinstance(expires_at, int | float):
                raise UpstreamError("the token response has no access_token/expires_at", status_code=401)
            self._token, self._expires_at_ms = token, float(expires_at)
            self.tokens_fetched += 1
            return token

    async def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token()}", **(extra or {})}

    # --- request
    async def _upload(self, url: str, headers: dict[str, str] | None) -> str:
        """An image (data URL) uploaded for an `attachments` entry; its file id."""
        import aiohttp

        media_type, data = url[5:].split(";base64,", 1)
        form = aiohttp.FormData()
        form.add_field(
            "file", base64.b64decode(data), filename="image." + media_type.split("/")[-1], content_type=media_type
        )
        form.add_field("purpose", "general")
        async with self._http().post(
            f"{self.base_url}/files", data=form, headers=await self._headers(headers)
        ) as response:
            await raise_for_status(response)
            return str(json_object(await response.read(), "upload response")["id"])

    async def request_body(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        names: dict[str, str] = {}  # tool call id -> function name (a function message names it)
        messages: list[dict[str, Any]] = []
        for message in body["messages"]:
            role, content = message.get("role"), message.get("content")
            if role == "tool":
                name = names.get(message.get("tool_call_id", ""), message.get("name", ""))
                messages.append({"role": "function", "name": name, "content": _json_content(content)})
                continue
            out: dict[str, Any] = {"role": role}
            if isinstance(content, list):
                out["content"] = "\n".join(p["text"] for p in content if p.get("type") == "text")
                images = [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]
                if images:
                    out["attachments"] = [await self._upload(u, headers) for u in images if u.startswith("data:")]
            else:
                out["content"] = content or ""
            calls = message.get("tool_calls") or []
            for n, call in enumerate(calls):  # one function call per assistant message
                function = call.get("function") or {}
                names[call.get("id", "")] = function.get("name", "")
                turn: dict[str, Any] = dict(out) if n == 0 else {"role": "assistant", "content": ""}
                turn["function_call"] = {
                    "name": function.get("name"),
                    "arguments": arguments_object(function.get("arguments")),
                }
                messages.append(turn)
            if not calls:
                messages.append(out)
        gc: dict[str, Any] = {"model": body["model"], "messages": messages}
        for key in ("temperature", "max_tokens", "stream"):
            if body.get(key) is not None:
                gc[key] = body[key]
        if body.get("tools"):
            gc["functions"] = [
                {
                    "name": t["function"]["name"],
                    "description": t["function"].get("description", ""),
                    "parameters": t["function"].get("parameters") or {"type": "object", "properties": {}},
                }
                for t in body["tools"]
            ]
            gc["function_call"] = "auto"
        return gc

    async def _post(self, payload: dict[str, Any], headers: dict[str, str] | None) -> aiohttp.ClientResponse:
        """The chat request; a 401 (token revoked or expired early) gets a new token and one retry."""
        url = f"{self.base_url}/chat/completions"
        data = json.dumps(payload, ensure_ascii=False)
        response = await self._http().post(
            url, data=data, headers={**await self._headers(headers), "Content-Type": "application/json"}
        )
        if response.status == 401:
            response.release()
            self._token = None
            response = await self._http().post(
                url, data=data, headers={**await self._headers(headers), "Content-Type": "application/json"}
            )
        return response

    async def complete(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        payload = await self.request_body({**body, "stream": False}, headers)
        async with await self._post(payload, headers) as response:
            await raise_for_status(response)
            return completion(json_object(await response.read(), "response"))

    async def stream(
        self, body: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        payload = await self.request_body(body, headers)
        finished = False
        async with await self._post(payload, headers) as response:
            await raise_for_status(response)
            decoder = SSEDecoder()
            async for data in response.content.iter_any():
                for chunk in decoder.feed(data):
                    out = stream_chunk(chunk)
                    finished = finished or any(c.get("finish_reason") for c in out["choices"])
                    yield out
            last = decoder.leftover()
            if last is not None:
                out = stream_chunk(last)
                finished = finished or any(c.get("finish_reason") for c in out["choices"])
                yield out
        if not (finished or decoder.done):
            raise UpstreamError("the stream ended without a finish reason", kind="stream_cut")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
