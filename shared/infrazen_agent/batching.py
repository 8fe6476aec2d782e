"""Concurrent callers' statements of one kind, batched into shared ones: a group commit for
writes (user messages, answers, tool audit rows) and the same for point reads (a recommendation
with its resource).

A call that arrives while a statement is under way waits for the next one, which takes every
call waiting by then; alone, a call goes at once. So a burst's turns share statements instead of
paying one each (pool checkout, round trip, commit), and nothing is delayed when the process is
quiet. The caller gets its own item's result, exactly as if it had gone alone:

- the batch statement fails because Postgres is away: every caller gets that error (and retries
  as it would have);
- it fails for any other reason (a row Postgres refuses, a unique violation): each item is
  tried alone, so one caller's bad row never costs another caller's.

A caller that is cancelled does not cancel its item (it may already be in the statement).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from .errors import is_dependency_error

T = TypeVar("T")
R = TypeVar("R")


class _Lane(Generic[T, R]):
    """One event loop's waiting writes and its writer task."""

    def __init__(self) -> None:
        self.waiting: list[tuple[T, asyncio.Future[R]]] = []
        self.task: asyncio.Task[None] | None = None


class Batcher(Generic[T, R]):
    def __init__(self, name: str, write: Callable[[Sequence[T]], Awaitable[Sequence[R]]]) -> None:
        """`write(items)` runs all of them as one statement and returns one result per item, in
        order (or raises)."""
        self.name = name
        self._write = write
        # Per event loop: a runtime can be used from several (a server thread's and a test's),
        # and futures and tasks belong to one.
        self._lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Lane[T, R]] = weakref.WeakKeyDictionary()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(loop)
        if lane is None:
            lane = self._lanes[loop] = _Lane()
        done: asyncio.Future[R] = loop.create_future()
        # A caller cancelled meanwhile never reads its outcome: retrieved here, never "unretrieved".
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        lane.waiting.append((item, done))
        if lane.task is None or lane.task.done():
            lane.task = loop.create_task(self._run(lane), name=f"group-commit-{self.name}")
        return await asyncio.shield(done)

    async def _run(self, lane: _Lane[T, R]) -> None:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while lane.waiting:
                batch, lane.waiting = lane.waiting, []
                await self._commit(batch)
        finally:  # stopped mid-write (shutdown): no caller waits for ever
            for _, done in [*batch, *lane.waiting]:
                if not done.done():
                    done.set_exception(RuntimeError(f"the {self.name} writer stopped"))

    async def _commit(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._write([item for item, _ in batch])
        except Exception as exc:  # noqa: BLE001 - handed to the callers, who decide
            if len(batch) == 1 or is_dependency_error(exc):
                for _, done in batch:
                    done.set_exception(exc)
                return
            for item, done in batch:  # one bad item must not cost the others theirs
                try:
                    done.set_result((await self._write([item]))[0])
                except Exception as alone:  # noqa: BLE001 - that caller's own error
                    done.set_exception(alone)
            return
        for (_, done), result in zip(batch, results, strict=True):
            done.set_result(result)

    async def aclose(self) -> None:
        """Until what this loop has waiting is written (before the pool closes)."""
        lane = self._lanes.get(asyncio.get_running_loop())
        if lane is not None and lane.task is not None:
            await asyncio.wait([lane.task])
