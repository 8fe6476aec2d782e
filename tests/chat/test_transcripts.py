"""The durable transcript: owner-only reads (two tenants, two users), idempotent user messages,
one answer per turn, legacy find-or-create."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from infrazen_agent.chat.sessions import ChatSession, new_session_id
from infrazen_agent.chat.transcripts import TranscriptStore, public_message
from infrazen_agent.runtime import Runtime


def _session(tenant: str, user: str, **kw: object) -> ChatSession:
    return ChatSession(
        id=new_session_id(), tenant_id=tenant, user_id=user, scope="analytics", time_range={"days": 30}, **kw
    )  # type: ignore[arg-type]


async def test_sessions_are_found_by_their_owner_only(runtime: Runtime) -> None:
    store = TranscriptStore(runtime.pool)
    a = await store.create_session(_session("tenant-a", "u1"))
    assert (await store.get_session("tenant-a", "u1", a.id)) == a
    assert await store.get_session("tenant-b", "u1", a.id) is None
    assert await store.get_session("tenant-a", "u2", a.id) is None


async def test_messages_never_leak_across_tenants(runtime: Runtime) -> None:
    store = TranscriptStore(runtime.pool)
    a = await store.create_session(_session("tenant-a", "u1"))
    b = await store.create_session(_session("tenant-b", "u1"))
    assert await store.add_user_message(
        a, message_id="msg_a1", turn_id="turn_a1", content="secret of A", client_message_id="c1", attachments=[]
    )
    await store.add_user_message(
        b, message_id="msg_b1", turn_id="turn_b1", content="B's question", client_message_id="c1", attachments=[]
    )
    # A forged session object with B's tenant and A's id sees nothing of A.
    forged = ChatSession(id=a.id, tenant_id="tenant-b", user_id="u1", scope="analytics")
    assert await store.messages(forged) == []
    assert await store.turn_of_client_message(forged, "c1") == []
    assert [m["content"] for m in await store.messages(a)] == ["secret of A"]
    assert [m["content"] for m in await store.messages(b)] == ["B's question"]


async def test_a_resent_client_message_id_is_stored_once(runtime: Runtime) -> None:
    store = TranscriptStore(runtime.pool)
    s = await store.create_session(_session("t", "u"))
    first = await store.add_user_message(
        s, message_id="msg_1", turn_id="turn_1", content="hi", client_message_id="same", attachments=[]
    )
    again = await store.add_user_message(
        s, message_id="msg_2", turn_id="turn_2", content="hi", client_message_id="same", attachments=[]
    )
    assert (first, again) == (True, False)
    await store.add_assistant_message(
        s,
        message_id="msg_3",
        turn_id="turn_1",
        content="hello",
        status="complete",
        tool_calls=[],
        grounding={"ok": True},
        usage={"prompt_tokens": 1},
        model="m",
        mode="online",
        error=None,
        expires_at=s.expires_at,
    )
    # A second answer for the same turn is ignored (one answer per turn).
    await store.add_assistant_message(
        s,
        message_id="msg_4",
        turn_id="turn_1",
        content="dup",
        status="complete",
        tool_calls=[],
        grounding=None,
        usage=None,
        model=None,
        mode=None,
        error=None,
        expires_at=s.expires_at,
    )
    rows = await store.turn_of_client_message(s, "same")
    assert [(r["role"], r["content"]) for r in rows] == [("user", "hi"), ("assistant", "hello")]
    public = [public_message(r) for r in await store.messages(s)]
    assert public[1]["grounding"] == {"ok": True} and public[1]["incomplete"] is False
    assert await store.messages(s, limit=1) == [r for r in await store.messages(s)][-1:]


async def test_legacy_sessions_are_found_again_per_owner_and_key(runtime: Runtime) -> None:
    store = TranscriptStore(runtime.pool)
    first = await store.create_session(_session("t", "u"), legacy_key="analytics:30")
    second = await store.create_session(_session("t", "u"), legacy_key="analytics:30")
    other_user = await store.create_session(_session("t", "u2"), legacy_key="analytics:30")
    assert second.id == first.id and other_user.id != first.id
    assert (await store.find_legacy("t", "u", "analytics:30")) is not None
    assert await store.find_legacy("t2", "u", "analytics:30") is None


async def test_an_answer_slides_its_own_session_expiry_only(runtime: Runtime) -> None:
    store = TranscriptStore(runtime.pool)
    a = await store.create_session(_session("tenant-a", "u1"))
    b = await store.create_session(_session("tenant-b", "u1"))
    later = a.expires_at + timedelta(hours=5)
    await store.add_user_message(
        a, message_id="msg_a1", turn_id="turn_a1", content="q", client_message_id=None, attachments=[]
    )
    # A forged session object with A's id but B's tenant slides nothing of A's.
    forged = ChatSession(id=a.id, tenant_id="tenant-b", user_id="u1", scope="analytics")
    await store.add_assistant_message(
        forged, message_id="msg_x", turn_id="turn_x", content="x", status="complete", tool_calls=[],
        grounding=None, usage=None, model=None, mode=None, error=None, expires_at=later,
    )  # fmt: skip
    assert (await store.get_session("tenant-a", "u1", a.id)).expires_at == a.expires_at  # type: ignore[union-attr]
    await store.add_assistant_message(
        a, message_id="msg_a2", turn_id="turn_a1", content="answer", status="complete", tool_calls=[],
        grounding=None, usage=None, model=None, mode=None, error=None, expires_at=later,
    )  # fmt: skip
    assert (await store.get_session("tenant-a", "u1", a.id)).expires_at == later  # type: ignore[union-attr]
    assert (await store.get_session("tenant-b", "u1", b.id)).expires_at == b.expires_at  # type: ignore[union-attr]
    assert [m["content"] for m in await store.messages(a)] == ["q", "answer"]


async def test_concurrent_turns_of_two_tenants_share_statements_and_keep_their_own_rows(runtime: Runtime) -> None:
    store = TranscriptStore(runtime.pool)
    sessions = [await store.create_session(_session(f"tenant-{t}", "u1")) for t in "abab"]
    later = sessions[0].expires_at + timedelta(hours=5)
    # Four turns of two tenants start in the same instant; one of them is a resend of a stored message.
    await store.add_user_message(
        sessions[3], message_id="msg_old", turn_id="turn_old", content="old", client_message_id="dup", attachments=[]
    )
    stored = await asyncio.gather(
        *(
            store.add_user_message(
                s, message_id=f"msg_u{i}", turn_id=f"turn_{i}", content=f"question {i} of {s.tenant_id}",
                client_message_id="dup" if i == 3 else f"c{i}", attachments=[],
            )
            for i, s in enumerate(sessions)
        )
    )  # fmt: skip
    assert stored == [True, True, True, False]  # each caller learns its own row's fate
    await asyncio.gather(
        *(
            store.add_assistant_message(
                s, message_id=f"msg_a{i}", turn_id=f"turn_{i}", content=f"answer {i}", status="complete",
                tool_calls=[{"name": "t", "ok": True}], grounding={"figures": []}, usage={"prompt_tokens": i},
                model="m", mode="online", error=None, expires_at=later,
            )
            for i, s in enumerate(sessions[:3])
        )
    )  # fmt: skip
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT xmin::text AS tx, role, tenant_id, session_id FROM chat_messages WHERE id LIKE 'msg_u%%'"
            " OR id LIKE 'msg_a%%' ORDER BY seq"
        )
        rows = await cur.fetchall()
    assert len({r["tx"] for r in rows if r["role"] == "user"}) == 1  # one statement for the starts
    assert len({r["tx"] for r in rows if r["role"] == "assistant"}) == 1  # and one for the answers
    by_id = {s.id: s.tenant_id for s in sessions}
    assert all(r["tenant_id"] == by_id[r["session_id"]] for r in rows)
    for i, s in enumerate(sessions[:3]):
        messages = await store.messages(s)
        assert [m["content"] for m in messages] == [f"question {i} of {s.tenant_id}", f"answer {i}"]
        assert messages[1]["usage"] == {"prompt_tokens": i} and messages[1]["tool_calls"] == [{"name": "t", "ok": True}]
        assert (await store.get_session(s.tenant_id, "u1", s.id)).expires_at == later  # type: ignore[union-attr]
    forged = ChatSession(id=sessions[0].id, tenant_id="tenant-b", user_id="u1", scope="analytics")
    assert await store.messages(forged) == []
