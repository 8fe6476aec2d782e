"""`infrazen-agent chat`: a chat in the terminal for operators, streamed as it is written, on the
same chat service as the web app (offline answers without a model key). `--ask` answers one
question and exits (scripts, smoke checks)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from ..cli import command
from ..config import Settings


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rec", type=int, metavar="ID", help="chat about this recommendation (default: the cost chat)")
    p.add_argument("--analytics", action="store_true", help="the cost chat (the default without --rec)")
    p.add_argument("--days", type=int, default=30, help="the cost chat's period in days (default 30)")
    p.add_argument("--user", default="1001", help="whose chat (default 1001, the demo tenant's owner)")
    p.add_argument("--tenant", help="tenant id (default: the user id)")
    p.add_argument("--ask", metavar="QUESTION", help="ask one question, print the answer, exit")


@command("chat", "chat in the terminal: streamed answers, tool steps, figures checked", _args)
def chat(args: argparse.Namespace, settings: Settings) -> int:
    if args.rec is not None and args.analytics:
        print("infrazen-agent chat: --rec and --analytics are two different chats; choose one", file=sys.stderr)
        return 2
    if not 1 <= args.days <= 366:
        print("infrazen-agent chat: --days must be between 1 and 366", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from ..agent.events import ClientMessage
    from ..api.chat import on_start
    from ..auth import Principal
    from ..chat.service import get_chat_service
    from ..chat.sessions import Scope
    from ..errors import AgentError
    from ..runtime import Runtime

    runtime = Runtime(settings)
    runtime.start_hooks.append(on_start)
    await runtime.ensure_started()
    try:
        service = get_chat_service(runtime)
        principal = Principal(user_id=args.user, tenant_id=args.tenant or args.user, roles=("analyst",))
        scope: Scope = "recommendation" if args.rec is not None else "analytics"
        try:
            session, _ = await service.start_session(
                principal,
                scope=scope,
                recommendation_id=str(args.rec) if args.rec is not None else None,
                time_range={"days": args.days} if scope == "analytics" else None,
            )
        except AgentError as exc:
            print(f"infrazen-agent chat: {exc.message}", file=sys.stderr)
            return 1
        from ..llm import get_gateway

        mode = get_gateway(runtime).mode
        if not args.ask:
            print(f"{scope} chat ({mode}); an empty line or Ctrl-D ends it, Ctrl-C stops an answer", file=sys.stderr)
        with service.hub.subscribe(session.id) as sub:
            while True:
                question = args.ask if args.ask else await _read_line()
                if not question:
                    return 0
                try:
                    submitted = await service.submit(principal, session, ClientMessage(content=question))
                except AgentError as exc:
                    print(f"! {exc.message}", file=sys.stderr)
                    continue
                try:
                    ok = await _print_turn(sub, submitted.turn_id)
                except KeyboardInterrupt:
                    await service.cancel(session, submitted.turn_id)
                    ok = await _print_turn(sub, submitted.turn_id)
                if args.ask:
                    return 0 if ok else 1
    finally:
        chat_service: Any = runtime.services.get("chat")
        if chat_service is not None:
            await chat_service.wait_idle()
        await runtime.stop()


async def _read_line() -> str:
    try:
        return (await asyncio.to_thread(input, "> ")).strip()
    except EOFError:
        return ""


async def _print_turn(sub: Any, turn_id: str) -> bool:
    """The turn's events as they come: deltas to stdout, tool steps and the figures' check to
    stderr (so that stdout is the answer)."""
    streamed = ""
    while True:
        env = await sub.get()
        if env.turn_id != turn_id:
            continue
        event = json.loads(env.json)
        kind = event["type"]
        if kind == "delta":
            streamed += event["text"]
            sys.stdout.write(event["text"])
            sys.stdout.flush()
        elif kind == "tool_call":
            print(f"  … {event['name']}", file=sys.stderr)
        elif kind == "tool_result":
            mark = "✓" if event["ok"] else "⚠"
            print(f"  {mark} {event['name']}: {event['summary'] or event.get('error_code') or ''}", file=sys.stderr)
        elif kind == "turn_queued":
            print(f"  (waiting: {event['position']})", file=sys.stderr)
        elif kind == "message":
            if event["content"] != streamed:  # revised after the check: the corrected text
                print("\n--- corrected after the figures' check ---\n" + event["content"])
            else:
                print()
            numbers = (event.get("grounding") or {}).get("numbers") or []
            untraced = [n["text"] for n in numbers if not n.get("traced")]
            status = "" if event["status"] == "complete" else f" ({event['status']})"
            check = f"{len(numbers) - len(untraced)} of {len(numbers)} figures traced to the data"
            print(
                f"[{event['mode']}{status}; {check}{'; not confirmed: ' + ', '.join(untraced) if untraced else ''}]",
                file=sys.stderr,
            )
            return bool(event["status"] == "complete")
        elif kind == "error":
            print(f"\n! {event['message']} ({event['code']})", file=sys.stderr)
            return False
