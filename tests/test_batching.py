"""Batched statements: concurrent calls share statements, and each caller gets its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from infrazen_agent.batching import Batcher


class Store:
    """A stand-in statement: records each call's items, refuses the item "bad", or is away."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.away = False

    async def write(self, items: Sequence[str]) -> list[str]:
        self.calls.append(list(items))
        await asyncio.sleep(0.01)  # the round trip: writes arriving now wait for the next call
        if self.away:
            raise RedisConnectionError("away")
        if "bad" in items:
            raise ValueError("refused")
        return [f"ok:{item}" for item in items]


async def test_concurrent_writes_share_a_statement_and_get_their_own_results() -> None:
    store = Store()
    group: Batcher[str, str] = Batcher("test", store.write)
    assert await group.submit("alone") == "ok:alone" and store.calls == [["alone"]]  # quiet: at once
    store.calls.clear()
    first = asyncio.ensure_future(group.submit("w0"))
    await asyncio.sleep(0.001)  # its statement is under way
    results = await asyncio.gather(*(group.submit(f"w{i}") for i in range(1, 50)))
    assert [await first, *results] == [f"ok:w{i}" for i in range(50)]
    assert store.calls == [["w0"], [f"w{i}" for i in range(1, 50)]]  # the rest waited for one statement


async def test_one_bad_write_costs_only_its_caller() -> None:
    store = Store()
    group: Batcher[str, str] = Batcher("test", store.write)
    first = asyncio.ensure_future(group.submit("first"))
    await asyncio.sleep(0)
    outcomes = await asyncio.gather(*(group.submit(x) for x in ("a", "bad", "b")), return_exceptions=True)
    assert await first == "ok:first"
    assert outcomes[0] == "ok:a" and outcomes[2] == "ok:b"
    assert isinstance(outcomes[1], ValueError)
    assert ["a", "bad", "b"] in store.calls and ["a"] in store.calls and ["b"] in store.calls


async def test_an_outage_fails_every_waiting_caller_once() -> None:
    store = Store()
    store.away = True
    group: Batcher[str, str] = Batcher("test", store.write)
    outcomes = await asyncio.gather(*(group.submit(f"w{i}") for i in range(5)), return_exceptions=True)
    assert all(isinstance(o, RedisConnectionError) for o in outcomes)
    assert len(store.calls) == 1  # no item-by-item retries against a dependency that is away


async def test_a_cancelled_caller_does_not_cancel_its_write() -> None:
    store = Store()
    group: Batcher[str, str] = Batcher("test", store.write)
    caller = asyncio.ensure_future(group.submit("kept"))
    await asyncio.sleep(0.001)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await group.aclose()
    assert store.calls == [["kept"]]


def test_writers_in_several_event_loops_at_once_each_get_their_answers() -> None:
    store = Store()
    group: Batcher[str, str] = Batcher("test", store.write)
    answers: dict[str, list[str]] = {}

    def run(name: str) -> None:
        async def main() -> list[str]:
            return list(await asyncio.gather(*(group.submit(f"{name}{i}") for i in range(20))))

        answers[name] = asyncio.run(main())

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert {n: a for n, a in answers.items()} == {n: [f"ok:{n}{i}" for i in range(20)] for n in ("a", "b", "c")}
