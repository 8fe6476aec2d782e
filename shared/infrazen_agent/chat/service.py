"""The chat service of one process: sessions, turn submission and the turns it runs.

A turn: validate → admit the message against the sender's per-minute limit, queue it and, when
no turn of the session runs, take the session lock for the queue's head (one Redis script; a
message sent meanwhile waits its turn: several tabs, typing ahead) → store the user message
(Postgres; a resent client_message_id stops here) → run the agent loop, or the offline
answerer, as a task owned by the service (a client that disconnects does not stop it) → store
the answer, complete or not → pass the lock to the next waiting message or release it → publish
the terminal event. Every event goes through the hub, so every connection of the session, on
any replica, sees the same turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import psycopg

from ..actions.flow import Action, ChatTools, decide
from ..agent.events import (
    ClientMessage,
    Envelope,
    ErrorEvent,
    Event,
    Message,
    TurnQueued,
    TurnStarted,
    Usage,
)
from ..agent.grounding import Fact, Grounding, facts_from_tool
from ..agent.loop import AgentLoop, TurnState
from ..agent.prompt import IMAGE_MARK, build_messages, detect_language
from ..agent.tool_specs import model_specs
from ..auth import Principal
from ..errors import AgentError, Conflict, InvalidInput, NotFound, RateLimited, Unavailable, is_dependency_error
from ..guard.admission import admit_message, message_refused, message_window
from ..guard.pii import Redactor
from ..guard.rate import admit_request
from ..llm import CallMeta, get_gateway, image_part, user_message
from ..llm.types import Admission
from ..metrics import CACHE_LOOKUPS, CHAT_TURN_LATENCY, CHAT_TURNS
from ..runtime import Runtime
from ..screenshots.turn import read_screenshots, screenshot_messages
from ..tools.registry import AuditWrites
from ..uploads import claim_upload
from . import offline
from .fanout import Hub
from .hot_state import HEARTBEAT_TTL_MS, LOCK_TTL_MS, QUEUE_MAX, RECENT_MESSAGES, HotState
from .offer import LEAN_AT_TOOLS, offered_tools
from .revision import Checked, check_answer
from .sessions import SESSION_TTL, ChatSession, Scope, new_message_id, new_session_id, new_turn_id
from .transcripts import TranscriptStore, public_message

log = logging.getLogger("infrazen_agent.chat")

TURN_TIMEOUT_S = 180.0
WATCH_EVERY_S = 1.0  # how often waiting messages check that their lock's holder is alive
HISTORY_IN_READY = 50
_IMAGE_REF = re.compile(r"\[image:(up_[A-Za-z0-9_-]{16,64})\]")
# A turn whose process died mid-way (its stored error, and the event every connection gets).
INTERRUPTED: dict[str, Any] = {
    "code": "turn_interrupted",
    "message": "the answer was interrupted (the replica running it stopped) and nothing of it was kept; "
    "send the message again",
    "retryable": True,
}


class SessionBusy(Conflict):
    """QUEUE_MAX messages already wait behind this session's running turn: retry later."""

    code = "session_busy"
    retryable = True


@dataclass
class Submitted:
    turn_id: str
    started: bool  # False: a resend of a message already stored
    replay: list[Envelope] = field(default_factory=list)  # its outcome, when already finished


@dataclass
class _Running:
    task: asyncio.Task[None]
    turn_id: str
    route: str = ""  # the route its message came by (for the turn's log line)
    cancel_requested: bool = False
    # Cancels reach only `work` (the answering), never the storing of the outcome.
    work: asyncio.Task[str] | None = None
    finishing: bool = False

    def request_cancel(self) -> None:
        self.cancel_requested = True
        if self.work is not None and not self.finishing:
            self.work.cancel()
        # not started yet: the turn sees cancel_requested when it starts and stores "cancelled"


def image_refs(content: str, attachments: list[str]) -> list[str]:
    """Upload ids from `attachments` and inline `[image:<id>]` references, in order, once each."""
    ids: list[str] = []
    for upload_id in [*attachments, *_IMAGE_REF.findall(content)]:
        if upload_id not in ids:
            ids.append(upload_id)
    return ids


class ChatService:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.transcripts = TranscriptStore(runtime.pool)
        self.hot = HotState(runtime.redis)
        self.hub = Hub(runtime.redis, on_control=self._on_control)
        self._running: dict[str, _Running] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        self._holding: set[str] = set()  # turn ids whose session lock this process holds
        self._watching: dict[str, asyncio.Task[None]] = {}  # sessions with messages waiting here
        self._closing = False
        self._background: set[asyncio.Task[None]] = set()
        # Bounded concurrency: past it, a turn waits for a slot (see Settings.chat_max_active_turns).
        self._slots = asyncio.Semaphore(runtime.settings.chat_max_active_turns)

    async def start(self) -> None:
        await self.hub.start()
        await self.hot.beat()
        self._heartbeat = asyncio.create_task(self._beat(), name="chat-heartbeat")

    async def _beat(self) -> None:
        """Says this process is alive: its turn locks are not stale while it beats."""
        while True:
            await asyncio.sleep(HEARTBEAT_TTL_MS / 3000)
            try:
                await self.hot.beat()
            except Exception:  # noqa: BLE001 - Redis away: the next beat tries again
                log.warning("chat heartbeat failed")

    async def _stale(self, held: tuple[str, str | None, str] | None) -> bool:
        """Whether the lock's holder cannot be running its turn any more: this process and the
        turn is not running here, or another process with no heartbeat."""
        if held is None:
            return True
        turn, instance, _ = held
        if instance is None:
            return False  # an older format: wait for its expiry
        if instance == self.hot.instance:
            return turn not in self._holding
        return not await self.hot.alive(instance)

    async def aclose(self) -> None:
        self._closing = True  # turns that end now leave what waits to a live process
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for watcher in self._watching.values():
            watcher.cancel()
        # Shutdown: running turns are stored as cancelled, never dropped.
        for running in list(self._running.values()):
            running.request_cancel()
        for running in list(self._running.values()):
            with contextlib.suppress(BaseException):
                await running.task
        await asyncio.gather(*self._background, return_exceptions=True)  # messages given back
        await self.hub.aclose()

    # --- sessions
    async def start_session(
        self,
        principal: Principal,
        *,
        scope: Scope,
        recommendation_id: str | None = None,
        time_range: dict[str, Any] | None = None,
        page_context: dict[str, Any] | None = None,
        legacy_key: str | None = None,
        request_id: str | None = None,
    ) -> tuple[ChatSession, dict[str, Any]]:
        """A new session (or, with a legacy key, the owner's existing one). Building the context
        pack is also the ownership check: another tenant's recommendation is not found."""
        if legacy_key is not None:
            existing = await self.transcripts.find_legacy(principal.tenant_id, principal.user_id, legacy_key)
            if existing is not None:
                # The browser client cannot start a new legacy session: reconnecting revives it.
                existing = await self._extend(existing)
                pack = await self.hot.get_pack(existing.id) or await self._build_pack(principal, existing, request_id)
                return existing, pack
        await admit_request(self.runtime, principal, "chat_session")  # the pack's tool calls count as one
        session = ChatSession(
            id=new_session_id(),
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            scope=scope,
            recommendation_id=recommendation_id,
            time_range=time_range,
            page_context=page_context,
        )
        from ..context.packs import build_pack

        pack = await build_pack(self.runtime, principal, session, request_id=request_id)
        stored = await self.transcripts.create_session(session, legacy_key=legacy_key)
        await self.hot.put_session(stored)
        await self.hot.put_pack(stored.id, pack)
        if stored.id == session.id:
            await self.hot.put_recent(stored.id, [])
        return stored, pack

    async def load_session(self, principal: Principal, session_id: str) -> ChatSession:
        """The principal's own session; anything else (unknown, another user's or tenant's) is
        the same 404."""
        if not session_id or len(session_id) > 64:
            raise NotFound("chat session not found")
        session = await self.hot.get_session(session_id)
        if session is None:
            session = await self.transcripts.get_session(principal.tenant_id, principal.user_id, session_id)
            if session is not None:
                await self.hot.put_session(session)
        if session is None or session.tenant_id != principal.tenant_id or session.user_id != principal.user_id:
            raise NotFound("chat session not found")
        if not principal.allows_chat(session.scope, session.recommendation_id):
            raise NotFound("chat session not found")  # a legacy token minted for another chat
        return session

    async def history(self, session: ChatSession, limit: int | None = HISTORY_IN_READY) -> list[dict[str, Any]]:
        return [public_message(r) for r in await self.transcripts.messages(session, limit=limit)]

    async def running_turn(self, session: ChatSession) -> str | None:
        return await self.hot.running_turn(session.id)

    async def waiting(self, session: ChatSession) -> list[dict[str, Any]]:
        """The messages waiting behind the running turn, oldest first."""
        return [
            {
                "turn_id": e["turn_id"],
                "content": e["content"],
                "client_message_id": e.get("client_message_id"),
                "attachments": e.get("images") or [],
            }
            for e in await self.hot.queued(session.id)
        ]

    # --- turns
    async def submit(
        self,
        principal: Principal,
        session: ChatSession,
        msg: ClientMessage,
        *,
        request_id: str | None = None,
        route: str = "",
    ) -> Submitted:
        content = msg.content
        images = image_refs(content, msg.attachments)
        if not content and not images:
            raise InvalidInput("a message needs content or an attachment")
        if session.expired:
            raise NotFound("chat session expired; start a new one")
        # A flood is refused before anything is stored: admitted in the script that queues the
        # message (one round trip), or first of all when it claims uploads.
        rate = message_window(self.runtime, principal)
        if images and rate is not None:
            await admit_message(self.runtime, principal)
            rate = None
        if len(IMAGE_MARK.findall(content)) > len(_IMAGE_REF.findall(content)):
            raise NotFound("upload not found")  # a malformed [image:…] id
        for upload_id in images:
            # the tenant's own, or a quarantined upload this turn claims; 404 otherwise
            await claim_upload(self.runtime, principal, upload_id)
        turn_id = new_turn_id()
        entry: dict[str, Any] = {
            "turn_id": turn_id,
            "content": content,
            "images": images,
            "client_message_id": msg.client_message_id,
            "request_id": request_id,
            "route": route,
            "principal": _principal_json(principal),
        }
        outcome, payload, pack, recent = await self.hot.admit(session.id, entry, rate)
        if outcome == "limited":
            assert rate is not None
            raise message_refused(rate)
        if outcome == "dup":  # a resend of a message still waiting: its events are on the way
            return Submitted(payload, started=False)
        if outcome != "run" and msg.client_message_id:
            try:
                existing = await self._existing_turn(session, msg.client_message_id)  # running or answered
            except Exception as exc:
                if not is_dependency_error(exc):
                    await self.hot.drop_queued(session.id, turn_id)
                    raise
                existing = None  # Postgres away: a resend is recognised when its turn starts
            if existing is not None:
                if outcome == "queued":
                    await self.hot.drop_queued(session.id, turn_id)
                return existing
        if outcome == "full":
            raise SessionBusy(f"{QUEUE_MAX} messages already wait for an answer in this session; send this one later")
        if outcome == "run":
            head: dict[str, Any] = payload
            if head["turn_id"] == turn_id:
                return await self._start(principal, session, entry, pack, recent)
            self._spawn(session, head)  # older messages left waiting go first; this one is queued
            payload = len(await self.hot.queued(session.id))
        self.hub.publish(
            session.id,
            Envelope.of(
                TurnQueued(
                    turn_id=turn_id,
                    content=content,
                    position=payload,
                    client_message_id=msg.client_message_id,
                    attachments=images,
                )
            ),
        )
        await self._unblock(session)
        return Submitted(turn_id, started=True)

    async def _start(
        self,
        principal: Principal,
        session: ChatSession,
        entry: dict[str, Any],
        pack: dict[str, Any] | None,
        recent: list[dict[str, Any]] | None,
    ) -> Submitted:
        """Store the user message of the turn whose lock this process holds, and run the turn.
        A resend of a stored message (client_message_id) is that message's turn instead."""
        turn_id, content, images = entry["turn_id"], entry["content"], entry["images"]
        client_message_id = entry.get("client_message_id")
        self._holding.add(turn_id)
        try:
            message_id = new_message_id()
            stored = await self.transcripts.add_user_message(
                session,
                message_id=message_id,
                turn_id=turn_id,
                content=content,
                client_message_id=client_message_id,
                attachments=images,
            )
        except BaseException:
            self._holding.discard(turn_id)
            await self._advance(session, turn_id)
            raise
        if not stored:
            self._holding.discard(turn_id)
            await self._advance(session, turn_id)
            assert client_message_id is not None  # only a resend is not stored
            existing = await self._existing_turn(session, client_message_id)
            if existing is None:  # pragma: no cover - the row exists: the insert just said so
                raise Conflict("duplicate message")
            return existing
        started = TurnStarted(
            turn_id=turn_id,
            message_id=message_id,
            content=content,
            client_message_id=client_message_id,
            attachments=images,
        )
        self.hub.publish(session.id, Envelope.of(started))
        task = asyncio.create_task(
            self._run_turn(
                principal, session, turn_id, content, images, client_message_id, entry.get("request_id"), pack, recent
            ),
            name=f"chat-turn-{turn_id}",
        )
        self._running[session.id] = _Running(task, turn_id, route=entry.get("route") or "")
        task.add_done_callback(lambda _t: self._forget(session.id, turn_id))
        return Submitted(turn_id, started=True)

    async def _advance(self, session: ChatSession, turn_id: str) -> None:
        """The lock of a turn that ends here passes to the next waiting message (or is freed)."""
        try:
            if self._closing:  # what waits is left to a live process
                await self.hot.release(session.id, turn_id)
                return
            nxt = await self.hot.advance(session.id, self.hot.value_of(turn_id))
        except Exception:  # the lock's TTL covers it; a waiting message is taken up by a watcher
            log.warning("session lock not passed on", exc_info=True, extra={"turn_id": turn_id})
            return
        if nxt is not None:
            self._spawn(session, nxt)

    def _spawn(self, session: ChatSession, entry: dict[str, Any]) -> None:
        """Run a waiting message whose lock this process has just been given."""
        if self._closing:  # back to the head of the queue, for a live process
            task = asyncio.create_task(self.hot.give_back(session.id, entry))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return
        self._holding.add(entry["turn_id"])
        task = asyncio.create_task(self._start_waiting(session, entry), name=f"chat-queued-{entry['turn_id']}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _start_waiting(self, session: ChatSession, entry: dict[str, Any]) -> None:
        turn_id = entry["turn_id"]
        try:
            pack, recent = await self.hot.turn_inputs(session.id)
            current = await self.hot.get_session(session.id) or session
            submitted = await self._start(_principal_of(entry["principal"]), current, entry, pack, recent)
            for env in submitted.replay:  # a resend of a message already answered: its answer again
                self.hub.publish(session.id, env)
        except Exception as exc:  # the message could not be taken up: its turn ends with an error
            log.warning("a waiting message could not start", exc_info=True, extra={"turn_id": turn_id})
            error = exc if isinstance(exc, AgentError) else Unavailable("the answer could not be started")
            self.hub.publish(
                session.id,
                Envelope.of(ErrorEvent(turn_id=turn_id, code=error.code, message=error.message, retryable=True)),
            )
            if turn_id in self._holding:  # failed before _start passed the lock on
                self._holding.discard(turn_id)
                await self._advance(session, turn_id)

    async def _unblock(self, session: ChatSession) -> None:
        """Messages wait here, or a client here follows a turn, whose lock holder may die: take
        the lock over when it is stale (now, or later while they wait), so that the dead turn is
        reported as interrupted and what waits is answered, not stranded."""
        if session.id in self._watching:
            return
        task = asyncio.create_task(self._watch(session), name=f"chat-watch-{session.id}")
        self._watching[session.id] = task
        task.add_done_callback(lambda _t: self._watching.pop(session.id, None))

    async def reap(self, session: ChatSession) -> None:
        """Called when a client (re)connects: a turn whose process is gone (killed, crashed) ends
        as interrupted — at once when its heartbeat has expired already, else when it does
        (≤ HEARTBEAT_TTL_MS) while a watcher here follows it."""
        held = await self.hot.holder(session.id)
        if held is None or held[1] == self.hot.instance:
            return
        if await self._stale(held):
            won, nxt = await self.hot.take_over(session.id, held[2])
            if won:
                await self._interrupted(session, held[0])
                if nxt is not None:
                    self._spawn(session, nxt)
            return
        await self._unblock(session)

    async def _watch(self, session: ChatSession) -> None:
        delay = 0.0
        while not self._closing:
            await asyncio.sleep(delay)
            delay = WATCH_EVERY_S
            try:
                queued = await self.hot.queued(session.id)
                held = await self.hot.holder(session.id)
                followed = held is not None and held[1] != self.hot.instance and self.hub.local_subscribers(session.id)
                if not queued and not followed:
                    return  # nothing waits here, and no client here follows another process's turn
                if not await self._stale(held):
                    continue
                won, nxt = await self.hot.take_over(session.id, held[2] if held else "")
            except Exception:
                log.debug("waiting messages not checked", exc_info=True)
                continue
            if not won:
                continue
            if held is not None:
                log.warning("stale turn lock taken over", extra={"session_id": session.id, "stale_turn": held[0]})
                await self._interrupted(session, held[0])
            if nxt is not None:
                self._spawn(session, nxt)
                return

    async def _interrupted(self, session: ChatSession, turn_id: str) -> None:
        """The turn of a process that died: marked failed in the transcript with nothing of what
        it streamed (no half answer is kept), and every connection told."""
        try:
            outcome = await self.transcripts.add_interrupted(
                session, message_id=new_message_id(), turn_id=turn_id, error=INTERRUPTED
            )
            await self.hot.forget_recent(session.id)
        except Exception:  # Postgres away: the clients connected now are still told
            log.warning("interrupted turn not marked", exc_info=True, extra={"turn_id": turn_id})
            outcome = "unmarked"
        if outcome == "answered":
            return  # its process stored the answer before it died: the history has it
        CHAT_TURNS.labels(session.scope, "none", "interrupted").inc()
        log.warning(
            "chat turn interrupted",
            extra={"turn_id": turn_id, "session_id": session.id, "tenant_id": session.tenant_id, "marked": outcome},
        )
        interrupted = ErrorEvent(
            turn_id=turn_id, code=INTERRUPTED["code"], message=INTERRUPTED["message"], retryable=True
        )
        self.hub.publish(session.id, Envelope.of(interrupted))

    def _forget(self, session_id: str, turn_id: str) -> None:
        self._holding.discard(turn_id)
        running = self._running.get(session_id)
        if running is not None and running.turn_id == turn_id:
            del self._running[session_id]

    async def _existing_turn(self, session: ChatSession, client_message_id: str) -> Submitted | None:
        rows = await self.transcripts.turn_of_client_message(session, client_message_id)
        if not rows:
            return None
        turn_id = rows[0]["turn_id"]
        answer = next((r for r in rows if r["role"] == "assistant"), None)
        if answer is None:
            if await self.hot.running_turn(session.id) == turn_id:
                await self.reap(session)  # its process may be gone: then it ends as interrupted
                return Submitted(turn_id, started=False)  # still running: its events are on the way
            # Not running and never stored (a process died mid-turn): say so instead of silence.
            lost = ErrorEvent(
                turn_id=turn_id,
                code="turn_lost",
                message="this message's answer was lost (the service restarted); send it again as a new message",
                retryable=True,
            )
            return Submitted(turn_id, started=False, replay=[Envelope.of(lost)])
        return Submitted(turn_id, started=False, replay=[Envelope.of(_replayed(answer, client_message_id))])

    async def confirm(self, principal: Principal, session: ChatSession, action_id: str, approve: bool) -> Action:
        """The user's answer to a proposed action of this session (see actions/flow.py)."""
        from ..actions.flow import get_action

        action = await get_action(self.runtime, principal, action_id)
        if action.session_id != session.id:
            raise NotFound("action not found")
        return await decide(self.runtime, principal, action_id, approve)

    async def cancel(self, session: ChatSession, turn_id: str | None = None) -> None:
        """Cancel the running turn (or the one named); a waiting message named is taken off the
        queue and its turn ends cancelled, never stored."""
        if turn_id is not None:
            dropped = await self.hot.drop_queued(session.id, turn_id)
            if dropped is not None:
                cancelled = Message(
                    turn_id=turn_id,
                    message_id=new_message_id(),
                    content="",
                    status="cancelled",
                    incomplete=True,
                    usage=Usage(),
                    model="",
                    mode="offline" if get_gateway(self.runtime).mode == "offline" else "online",
                    grounding={},
                    client_message_id=dropped.get("client_message_id"),
                )
                self.hub.publish(session.id, Envelope.of(cancelled))
                return
        await self.hub.control(session.id, {"cmd": "cancel", "turn_id": turn_id})

    async def _on_control(self, session_id: str, command: dict[str, Any]) -> None:
        running = self._running.get(session_id)
        if command.get("cmd") != "cancel" or running is None:
            return
        if command.get("turn_id") in (None, running.turn_id):
            running.request_cancel()

    async def wait_idle(self) -> None:
        """Wait for this process's running and starting turns (tests and graceful shutdown)."""
        while self._running or self._background:
            tasks = [*(r.task for r in self._running.values()), *self._background]
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- one turn
    async def _run_turn(
        self,
        principal: Principal,
        session: ChatSession,
        turn_id: str,
        content: str,
        images: list[str],
        client_message_id: str | None,
        request_id: str | None,
        pack: dict[str, Any] | None,
        cached: list[dict[str, Any]] | None,
    ) -> None:
        def emit(event: Event) -> None:
            self.hub.publish(session.id, Envelope.of(event))

        started_at = time.perf_counter()
        state = TurnState()
        mode = "online"
        status, error = "complete", None
        recent: list[dict[str, Any]] = []
        audits = AuditWrites(held=True)  # the tool calls' rows, written with the answer

        async def work() -> str:
            nonlocal recent, pack
            async with self._slots, asyncio.timeout(TURN_TIMEOUT_S):
                recent = cached if cached is not None else await self._recent_from_db(session, turn_id)
                CACHE_LOOKUPS.labels("context_pack", "miss" if pack is None else "hit").inc()
                if pack is None:
                    pack = await self._build_pack(principal, session, request_id)
                return await self._answer(
                    principal, session, turn_id, content, images, pack, recent, state, emit, request_id, audits
                )

        running = self._running.get(session.id)
        running = running if running is not None and running.turn_id == turn_id else None
        keeper = asyncio.create_task(self._keep_lock(session.id, turn_id))
        answering = asyncio.create_task(work(), name=f"chat-work-{turn_id}")
        if running is not None:
            running.work = answering
            if running.cancel_requested:  # cancelled before the turn started
                answering.cancel()
        try:
            mode = await answering
        except asyncio.CancelledError:
            if not answering.cancelled():  # this task itself was cancelled (event loop teardown)
                answering.cancel()
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
            elif running is None or not running.cancel_requested:
                log.warning("turn cancelled without a request", extra={"turn_id": turn_id})
            status = "cancelled"
        except TimeoutError:
            status, error = "failed", {"code": "timeout", "message": "the answer took too long", "retryable": True}
        except AgentError as exc:
            status, error = "failed", {"code": exc.code, "message": exc.message, "retryable": exc.retryable}
        except Exception as exc:
            if is_dependency_error(exc):  # Postgres or Redis away or overwhelmed: retryable, not a bug
                log.warning("turn failed: a dependency is unavailable", extra={"turn_id": turn_id}, exc_info=True)
                status, error = "failed", {"code": "unavailable", "message": "retry in a moment", "retryable": True}
            else:
                log.exception("turn failed", extra={"turn_id": turn_id, "session_id": session.id})
                status, error = (
                    "failed",
                    {"code": "internal_error", "message": "the answer failed; quote the turn id", "retryable": True},
                )
        finally:
            keeper.cancel()
        if running is not None:
            running.finishing = True
        try:
            checked = await self._check(principal, session, turn_id, content, state, mode, status, pack, request_id)
            status = await self._finish(
                session, turn_id, content, client_message_id, state, mode, status, error, checked, recent, emit, audits
            )
        finally:
            try:  # written with the answer already; here for a turn that stored none
                await audits.flush()
            except Exception:  # noqa: BLE001 - only Postgres away raises; the turn is over either way
                log.error("tool audit rows not written: Postgres away", extra={"turn_id": turn_id})
        elapsed = time.perf_counter() - started_at
        CHAT_TURNS.labels(session.scope, mode, status).inc()
        CHAT_TURN_LATENCY.labels(session.scope).observe(elapsed)
        log.info(  # one line per turn, whichever transport carried it
            "chat turn",
            extra={
                "request_id": request_id,
                "tenant_id": principal.tenant_id,
                "route": running.route if running is not None else "",
                "session_id": session.id,
                "turn_id": turn_id,
                "status": status,
                "error_code": (error or {}).get("code"),
                "mode": mode,
                "model": state.model or None,
                "tool_calls": len(state.tools),
                "latency_ms": round(elapsed * 1000, 2),
            },
        )

    async def _check(
        self,
        principal: Principal,
        session: ChatSession,
        turn_id: str,
        content: str,
        state: TurnState,
        mode: str,
        status: str,
        pack: dict[str, Any] | None,
        request_id: str | None,
    ) -> Checked:
        """The answer with every figure traced to the tools, re-asked once or marked where not."""

        def collect() -> list[Fact]:
            # Only the tools' and the pack's numbers are facts (never the user's own); collected
            # only for an answer that states a figure, in digits or in words.
            facts: list[Fact] = []
            if pack is not None:
                try:
                    facts.extend(self._pack_facts(pack))
                except Exception:  # grounding without them flags more numbers; the answer is still stored
                    log.exception("collecting the pack's facts failed", extra={"turn_id": turn_id})
            for t in state.tools:
                if t.ok and t.data:
                    facts.extend(facts_from_tool(t.name, t.data))
            return facts

        lang = detect_language(content)
        reask = None
        if mode == "online" and status == "complete":
            gateway = get_gateway(self.runtime)
            meta = _meta(principal, session, turn_id, request_id)

            async def reask(messages: list[dict[str, Any]]) -> str:
                done = await gateway.complete(messages, meta=meta, temperature=0.0, max_tokens=1200)
                state.usage.add(done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.cost_usd)
                return done.content

        try:
            return await check_answer(
                state.content, collect, lang=lang, reask=reask, scope=session.scope, pack=pack, state=state
            )
        except Exception:  # the check must never lose the answer: store it as streamed
            log.exception("checking the answer's figures failed", extra={"turn_id": turn_id})
            return Checked(state.content, Grounding([]))

    async def _answer(
        self,
        principal: Principal,
        session: ChatSession,
        turn_id: str,
        content: str,
        images: list[str],
        pack: dict[str, Any],
        recent: list[dict[str, Any]],
        state: TurnState,
        emit: Any,
        request_id: str | None,
        audits: AuditWrites,
    ) -> str:
        from ..tools import ToolContext, get_registry

        registry = get_registry()
        allowed = offline.scope_tools(session.scope, registry)
        ctx = ToolContext(
            runtime=self.runtime,
            principal=principal,
            request_id=request_id,
            session_id=session.id,
            turn_id=turn_id,
            allowed_tools=frozenset(allowed),
            admitted=True,  # the turn was admitted as one message (admit_message)
            audits=audits,
        )
        language = detect_language(content)
        gateway = get_gateway(self.runtime)
        # Every screenshot is read and reconciled first: its figures become typed facts
        # ("screenshot.*") before any model writes a word about it.
        shots = await read_screenshots(registry, ctx, images, emit, turn_id) if images else []
        state.tools.extend(trace for _, trace in shots)
        if gateway.is_online():
            text = _IMAGE_REF.sub("", content).strip() or "(image)"
            parts = [await image_part(self.runtime, principal, i) for i in images]
            user = user_message(text, parts)["content"]
            from ..context.packs import lean

            offered = offered_tools(session.scope, allowed, pack, text)
            view = lean(pack) if len(offered) >= LEAN_AT_TOOLS else pack
            messages = build_messages(
                scope=session.scope, language=language, pack=view, history=recent, user_content=user
            )
            messages += screenshot_messages(shots)
            meta = _meta(principal, session, turn_id, request_id)
            loop = AgentLoop(gateway, ChatTools(registry, emit, language))
            try:
                await loop.run(
                    messages,
                    tool_specs=model_specs(registry, offered),
                    tool_ctx=ctx,
                    meta=meta,
                    emit=emit,
                    state=state,
                    images=bool(parts),
                )
                return "online"
            except RateLimited:
                raise
            except Unavailable:
                if state.step_output:
                    raise  # text already shown: the partial answer is kept as failed
                log.warning("no model answered; answering offline", extra={"turn_id": turn_id})
        await offline.answer(
            registry, ctx, session, content, language, pack, state, emit, turn_id, screenshots=[t for _, t in shots]
        )
        return "offline"

    async def _finish(
        self,
        session: ChatSession,
        turn_id: str,
        content: str,
        client_message_id: str | None,
        state: TurnState,
        mode: str,
        status: str,
        error: dict[str, Any] | None,
        checked: Checked,
        recent: list[dict[str, Any]],
        emit: Any,
        audits: AuditWrites,
    ) -> str:
        """Stores the answer and ends the turn; returns its final status (failed when storing it
        failed before the user was told it was final)."""
        answer = checked.content
        grounding = checked.grounding.to_dict()
        if checked.revised:
            grounding["revised"] = True
        usage = state.usage.model_dump()
        model = state.model or ("offline" if mode == "offline" else "")
        message_id = new_message_id()
        extended = replace(session, expires_at=datetime.now(UTC) + SESSION_TTL)  # sliding expiry
        new_recent: list[dict[str, Any]] | None = None
        nxt: dict[str, Any] | None = None
        final = Message(
            turn_id=turn_id,
            message_id=message_id,
            content=answer,
            status="cancelled" if status == "cancelled" else "complete",
            incomplete=status != "complete",
            usage=state.usage,
            model=model,
            mode="offline" if mode == "offline" else "online",
            grounding=grounding,
            client_message_id=client_message_id,
            revised=checked.revised,
        )
        announced = False

        def announce() -> None:
            # The user has read the answer as it streamed: say it is final even while Postgres
            # is away; it is stored as soon as Postgres is back.
            nonlocal announced
            if not announced and status != "failed":
                announced = True
                emit(final)

        async def store() -> None:
            # The turn's tool audit rows go in alongside: both are in their tables before the
            # final event, and both are retried while Postgres is away (the answer's insert is
            # idempotent; rows that were not written stay held).
            flushed = asyncio.ensure_future(audits.flush())
            try:
                await self.transcripts.add_assistant_message(
                    session,
                    message_id=message_id,
                    turn_id=turn_id,
                    content=answer,
                    status=status,
                    tool_calls=[t.public() for t in state.tools],
                    grounding=grounding,
                    usage=usage,
                    model=model,
                    mode=mode,
                    error=error,
                    expires_at=extended.expires_at,
                )
            finally:
                await asyncio.wait([flushed])  # never left running, its outcome always retrieved
                away = flushed.exception()
            if away is not None:
                raise away

        try:
            await self._store_durably(session.id, turn_id, store, announce)
            new_recent = [*recent, {"role": "user", "content": content}]
            if status == "complete" and answer:
                new_recent.append({"role": "assistant", "content": answer})
        except Exception:
            log.exception("storing the answer failed", extra={"turn_id": turn_id})
            if not announced:
                status, error = (
                    "failed",
                    {"code": "unavailable", "retryable": True, "message": "the answer could not be stored"},
                )
        finally:  # also when cancelled mid-store: the session must not stay locked
            try:
                advance = not self._closing
                if new_recent is None:
                    nxt = await self.hot.finish_turn(session.id, turn_id, None, None, advance=advance)
                else:
                    recent_now = new_recent[-RECENT_MESSAGES:]
                    nxt = await self.hot.finish_turn(session.id, turn_id, recent_now, extended, advance=advance)
            except Exception:  # the lock's TTL covers a failed release; history is rebuilt from Postgres
                log.warning("hot state not updated after the turn", exc_info=True, extra={"turn_id": turn_id})
        if status == "failed":
            assert error is not None
            emit(
                ErrorEvent(
                    turn_id=turn_id,
                    code=error["code"],
                    message=error["message"],
                    retryable=bool(error.get("retryable")),
                )
            )
        else:
            announce()
        if nxt is not None:  # the next waiting message's turn, after this one's terminal event
            self._spawn(extended if new_recent is not None else session, nxt)
        return status

    async def _store_durably(
        self, session_id: str, turn_id: str, store: Callable[[], Awaitable[None]], on_delay: Callable[[], None]
    ) -> None:
        """`store`, retried while Postgres is away (up to TRANSCRIPT_RETRY_S), the session's lock
        kept meanwhile so that no later turn is stored before this one."""
        deadline = time.monotonic() + self.runtime.settings.transcript_retry_s
        delay = 0.25
        keeper: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    await store()
                    return
                except psycopg.errors.UniqueViolation:
                    return  # an earlier attempt committed before its connection broke
                except Exception as exc:
                    if not is_dependency_error(exc) or time.monotonic() + delay > deadline:
                        raise
                    if keeper is None:
                        log.warning("answer not stored yet: Postgres away; retrying", extra={"turn_id": turn_id})
                        keeper = asyncio.create_task(self._keep_lock(session_id, turn_id))
                        on_delay()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
        finally:
            if keeper is not None:
                keeper.cancel()

    async def _extend(self, session: ChatSession) -> ChatSession:
        """Slide the expiry in Postgres and in the cached copy (which is read first)."""
        extended = replace(session, expires_at=datetime.now(UTC) + SESSION_TTL)
        await self.transcripts.extend(session, extended.expires_at)
        await self.hot.put_session(extended)
        return extended

    @staticmethod
    def _pack_facts(pack: dict[str, Any]) -> list[Fact]:
        """The typed facts of the tool outputs the pack was built from. Rebuilt per answer (about
        a hundred small objects, tens of microseconds) rather than cached per session: a cache of
        them for every open session is what made the collector's full passes long under load."""
        return [Fact.from_list(row) for row in pack.get("_facts") or ()]

    async def _keep_lock(self, session_id: str, turn_id: str) -> None:
        while True:
            await asyncio.sleep(LOCK_TTL_MS / 3000)
            await self.hot.extend(session_id, turn_id)

    async def _recent_from_db(self, session: ChatSession, turn_id: str) -> list[dict[str, Any]]:
        rows = await self.transcripts.messages(session, limit=RECENT_MESSAGES + 1)
        return [
            {"role": r["role"], "content": r["content"]}
            for r in rows
            if r["turn_id"] != turn_id and (r["role"] == "user" or r["status"] == "complete")
        ]

    async def _build_pack(self, principal: Principal, session: ChatSession, request_id: str | None) -> dict[str, Any]:
        from ..context.packs import build_pack

        t0 = time.perf_counter()
        pack = await build_pack(self.runtime, principal, session, request_id=request_id)
        await self.hot.put_pack(session.id, pack)
        log.info(
            "context pack rebuilt",
            extra={
                "session_id": session.id,
                "tokens": pack.get("tokens"),
                "ms": round((time.perf_counter() - t0) * 1000, 1),
            },
        )
        return pack


def _meta(principal: Principal, session: ChatSession, turn_id: str, request_id: str | None) -> CallMeta:
    """The ledger's view of a model call made for this turn (the answer, or its re-ask)."""
    return CallMeta(
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        scenario=session.scenario,
        session_id=session.id,
        turn_id=turn_id,
        request_id=request_id,
        redactor=Redactor(),
        admission=Admission(),  # the agent loop's steps follow its first call's admission
    )


def _principal_json(principal: Principal) -> dict[str, Any]:
    """What a waiting message keeps of its sender, for whichever replica takes it up."""
    return {
        "user_id": principal.user_id,
        "tenant_id": principal.tenant_id,
        "roles": list(principal.roles),
        "demo": principal.demo,
        "scope": principal.scope,
        "expires_at": principal.expires_at,
    }


def _principal_of(data: dict[str, Any]) -> Principal:
    return Principal(
        user_id=data["user_id"],
        tenant_id=data["tenant_id"],
        roles=tuple(data["roles"]),
        demo=bool(data["demo"]),
        scope=data.get("scope") or {},
        expires_at=data.get("expires_at"),
    )


def _replayed(row: dict[str, Any], client_message_id: str) -> Event:
    if row["status"] == "failed":
        err = row["error"] or {}
        return ErrorEvent(
            turn_id=row["turn_id"],
            code=err.get("code", "internal_error"),
            message=err.get("message", "the answer failed"),
            retryable=bool(err.get("retryable")),
        )
    usage = row["usage"] or {}
    return Message(
        turn_id=row["turn_id"],
        message_id=row["id"],
        content=row["content"],
        status="cancelled" if row["status"] == "cancelled" else "complete",
        incomplete=row["status"] != "complete",
        usage=usage,
        model=row["model"] or "",
        mode=row["mode"] or "online",
        grounding=row["grounding"] or {},
        client_message_id=client_message_id,
        replayed=True,
    )


def get_chat_service(runtime: Runtime) -> ChatService:
    service = runtime.services.get("chat")
    assert isinstance(service, ChatService), "the chat component is not started"
    return service
