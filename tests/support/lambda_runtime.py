"""A local Lambda runtime API (the HTTP interface Lambda gives a container's runtime: the
invocation long-poll and the response/error posts), so that the Lambda image's entry point,
`python -m awslambdaric main.handler`, runs here for real against API Gateway events."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .servers import LiveServer

_BASE = "/2018-06-01/runtime"


@dataclass
class _Invocation:
    event: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: Any = None


class LambdaRuntimeAPI:
    def __init__(self) -> None:
        self._waiting: queue.Queue[tuple[str, _Invocation]] = queue.Queue()
        self._by_id: dict[str, _Invocation] = {}
        self.init_errors: list[Any] = []
        self._server: LiveServer | None = None
        self._closing = False
        self.app = Starlette(
            routes=[
                Route(f"{_BASE}/invocation/next", self._next, methods=["GET"]),
                Route(f"{_BASE}/invocation/{{request_id}}/response", self._response, methods=["POST"]),
                Route(f"{_BASE}/invocation/{{request_id}}/error", self._error, methods=["POST"]),
                Route(f"{_BASE}/init/error", self._init_error, methods=["POST"]),
            ]
        )

    @property
    def address(self) -> str:
        """host:port, as AWS_LAMBDA_RUNTIME_API takes it."""
        assert self._server is not None
        return self._server.url.removeprefix("http://")

    def start(self) -> LambdaRuntimeAPI:
        self._server = LiveServer(self.app, access_log=False).start()
        return self

    def stop(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.stop()

    def invoke(self, event: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        """The function's answer to one event (what API Gateway would turn into the HTTP answer)."""
        invocation = _Invocation(event)
        request_id = str(uuid.uuid4())
        self._by_id[request_id] = invocation
        self._waiting.put((request_id, invocation))
        if not invocation.done.wait(timeout):
            raise TimeoutError(f"no answer to {event.get('routeKey')} (init errors: {self.init_errors})")
        if invocation.error is not None:
            raise AssertionError(f"the handler failed: {invocation.error}")
        result: dict[str, Any] = invocation.result
        return result

    async def _next(self, _: Request) -> Response:
        while True:  # the runtime's long poll: answered when an event is there
            try:
                request_id, invocation = self._waiting.get_nowait()
                break
            except queue.Empty:
                if self._closing:
                    return Response(status_code=503)
                await asyncio.sleep(0.01)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 60_000),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-central-1:123456789012:function:agent",
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        }
        return JSONResponse(invocation.event, headers=headers)

    async def _response(self, request: Request) -> Response:
        invocation = self._by_id[request.path_params["request_id"]]
        invocation.result = json.loads(await request.body())
        invocation.done.set()
        return JSONResponse({"status": "OK"}, status_code=202)

    async def _error(self, request: Request) -> Response:
        invocation = self._by_id[request.path_params["request_id"]]
        invocation.error = (await request.body()).decode()
        invocation.done.set()
        return JSONResponse({"status": "OK"}, status_code=202)

    async def _init_error(self, request: Request) -> Response:
        self.init_errors.append((await request.body()).decode())
        return JSONResponse({"status": "OK"}, status_code=202)
