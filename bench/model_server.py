"""The benches' model server: the same scripted replies and the same bytes on the wire as the
tests' Starlette server (tests/support/llm_server.py, through bench.chat_bench.TimedLLMServer),
served by a bare asyncio HTTP/1.1 loop.

Why: the model stands in for a provider whose CPU is not ours, but here it shares the service's
two cores. Measured in a burst of 100 recommendation chats (200 model calls), the Starlette server
used 0.09–0.14 s of CPU and its own loop was busy enough to start answers late: a request waited
13–34 ms (p95) to be read and the 300 ms first-token delay ended up to 26 ms late. Those waits
were counted as the service's latency. This loop does only what a stream needs: read the head and
the body, write the SSE events as chunks.

    python -m bench.model_server --serve-llm PORT
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from typing import Any

from bench.chat_bench import TimedLLMServer
from tests.support.llm_server import Reply

_REASONS = {200: "OK", 404: "Not Found"}


def _chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (the empty one ends it)."""
    return b"%x\r\n%b\r\n" % (len(data), data)


class LeanModelServer:
    def __init__(self) -> None:
        self.script = TimedLLMServer()  # the replies, their chunks and the stamps of what was sent

    async def serve(self, port: int) -> None:
        server = await asyncio.start_server(self._connection, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one request after another on the connection
                head = await reader.readuntil(b"\r\n\r\n")
                line, *fields = head.decode("latin-1").split("\r\n")
                method, path = line.split(" ", 2)[:2]
                headers = dict((k.strip().lower(), v.strip()) for k, _, v in (f.partition(":") for f in fields if f))
                raw = await reader.readexactly(int(headers.get("content-length") or 0))
                body = json.loads(raw) if raw else {}
                await self._route(method, path.split("?", 1)[0], body, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        if method == "POST" and path == "/v1/chat/completions":
            await self._completions(body, writer)
        elif method == "GET" and path == "/v1/models":
            await self._json(writer, {"object": "list", "data": []})
        elif method == "POST" and path == "/_bench/reply":
            self.script.set_reply(body)
            await self._json(writer, {})
        elif method == "POST" and path == "/_bench/tool_round":
            self.script.set_tool_round(body)
            await self._json(writer, {})
        elif method == "POST" and path == "/_bench/late":
            await self._json(writer, self.script.take_late())
        elif method == "GET" and path == "/_bench/sent":
            await self._json(writer, self.script.sent)
        else:
            await self._json(writer, {"error": {"message": f"no route {method} {path}"}}, 404)

    @staticmethod
    async def _json(writer: asyncio.StreamWriter, payload: Any, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        head = f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
        head += f"content-length: {len(data)}\r\n\r\n"
        writer.write(head.encode() + data)
        await writer.drain()

    async def _completions(self, body: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        arrived = time.perf_counter()
        reply: Reply = self.script._reply_for(body)
        if reply.status != 200 or reply.cut_after_chunks is not None or reply.error_after_chunks is not None:
            raise NotImplementedError("the lean server plays answers, not failures (use the tests' server)")
        model = reply.model or str(body.get("model", "scripted"))
        if not body.get("stream"):
            await asyncio.sleep(reply.delay_first_token_s)
            await self._json(writer, self.script._full(reply, model))
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        key = self.script.key_of(body)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        if reply.delay_first_token_s:
            await asyncio.sleep(reply.delay_first_token_s)
        total = 0
        for n, payload in enumerate(self.script._chunks(reply, model, include_usage)):
            # Each event waits its turn in the loop, as the Starlette server's `await send` did: the
            # events of one answer are not handed to the socket as one write.
            await asyncio.sleep(reply.delay_between_chunks_s if n else 0)
            event = f"data: {json.dumps(payload)}\n\n".encode()
            if not n:
                self.script.stamp_first(arrived, reply)
            if key:
                total = self.script.record(key, event, total)
            writer.write(_chunk(event))  # one HTTP chunk per event, as streamed
        writer.write(_chunk(b"data: [DONE]\n\n") + _chunk(b""))
        await writer.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve-llm", type=int, required=True, metavar="PORT")
    args = parser.parse_args()
    import uvloop

    # The harness, not the system under test: no collector pauses in the times it stamps.
    gc.disable()
    uvloop.run(LeanModelServer().serve(args.serve_llm))


if __name__ == "__main__":
    main()
