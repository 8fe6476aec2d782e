"""`infrazen-agent` — serve the embedded default, mint tokens, run migrations, and more."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence

from .config import ConfigError, Settings, load_settings

Command = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(
    name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None] = lambda p: None
) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = (fn, configure, help_text)
        return fn

    return register


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="bind address (default AGENT_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default AGENT_PORT, 8001)")
    p.add_argument(
        "--components", default="all", help="comma-separated subset of health,upload,generate_text,chat,tools,web,mcp"
    )
    p.add_argument(
        "--workers", type=int, help="processes serving the port (default AGENT_WORKERS; 0 = one per CPU core)"
    )


@command("serve", "run every function in one port (the embedded default), on every core", _serve_args)
def serve(args: argparse.Namespace, settings: Settings) -> int:
    from .app import ALL_COMPONENTS
    from .logs import configure_logging
    from .serving import serve_workers

    configure_logging(settings.log_level)
    settings.validate_for_start()
    components = list(ALL_COMPONENTS) if args.components == "all" else args.components.split(",")
    workers = settings.agent_workers if args.workers is None else args.workers
    serve_workers(
        settings,
        components,
        host=args.host or settings.agent_host,
        port=args.port or settings.agent_port,
        workers=workers,
    )
    return 0


def _token_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", required=True, help="the user id the token is for")
    p.add_argument("--tenant", help="tenant id (default: the user id)")
    p.add_argument("--role", action="append", choices=["viewer", "analyst", "admin"], help="repeatable; default viewer")
    p.add_argument("--demo", action="store_true", help="mark the principal as the read-only demo user")
    p.add_argument("--ttl", type=int, default=3600, help="seconds until expiry (default 3600)")


@command("token", "print a signed service JWT for the configured secret", _token_args)
def token(args: argparse.Namespace, settings: Settings) -> int:
    from .auth import mint_token

    print(mint_token(settings, user=args.user, tenant=args.tenant, roles=args.role, demo=args.demo, ttl_s=args.ttl))
    return 0


@command("migrate", "apply pending database migrations")
def migrate_cmd(args: argparse.Namespace, settings: Settings) -> int:
    from .db import migrate
    from .embedded import EmbeddedPostgres

    pg = None if settings.database_url else EmbeddedPostgres(settings.agent_data_dir / "postgres")
    started_here = pg is not None and not pg.is_running()
    url = settings.database_url or (pg.start() if pg else "")
    try:
        applied = asyncio.run(migrate(url))
    finally:
        if pg is not None and started_here:
            pg.stop()
    print(json.dumps({"applied": applied}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="infrazen-agent", description=__doc__)
    parser.add_argument("--version", action="version", version=f"infrazen-agent {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (_, configure, help_text) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Later commands (seed, demo, text…) register themselves from their own modules.
    from .commands import load_all
    from .errors import AgentError

    load_all()

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return COMMANDS[args.command][0](args, settings)
    except ConfigError as exc:
        print(f"infrazen-agent: configuration error: {exc}", file=sys.stderr)
        return 2
    except AgentError as exc:  # a refusal the command did not word itself: one line, no traceback
        print(f"infrazen-agent {args.command}: {exc.message} ({exc.code})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Run the imported module's main: command modules register into `infrazen_agent.cli`, not `__main__`.
    from infrazen_agent.cli import main as _main

    sys.exit(_main())
