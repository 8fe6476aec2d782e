"""`infrazen-agent mcp`: the MCP server over stdio, for a local MCP client (Claude Desktop, Cursor,
an SDK client) that starts it as a subprocess. The service JWT comes from `--token` or
INFRAZEN_MCP_TOKEN (`infrazen-agent token` mints one); the tenant is the token's, never an option."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from ..cli import command
from ..config import Settings


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token", help="the service JWT to act with (default INFRAZEN_MCP_TOKEN)")


@command("mcp", "serve MCP over stdio (tools, prompts, recommendations) as the token's user", _args)
def mcp(args: argparse.Namespace, settings: Settings) -> int:
    from ..errors import AgentError
    from ..logs import configure_logging
    from ..mcp.stdio import serve_stdio

    token = args.token or (settings.infrazen_mcp_token.get_secret_value() if settings.infrazen_mcp_token else "")
    if not token:
        print("infrazen-agent mcp: no token: pass --token or set INFRAZEN_MCP_TOKEN", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    for handler in logging.getLogger().handlers:  # stdout carries the protocol: logs go to stderr
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sys.stderr)
    settings.validate_for_start()
    try:
        asyncio.run(serve_stdio(settings, token))
    except AgentError as exc:
        print(f"infrazen-agent mcp: {exc.message}", file=sys.stderr)
        return 2
    return 0
