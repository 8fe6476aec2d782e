"""The chat function: recommendation and analytics chat over WebSocket and SSE (scenarios 2 and 3).

Thin adapter: the routes live in the library (infrazen_agent.api.chat). Run locally with
`uvicorn main:app --port 8080` from this folder; OpenFaaS runs the same on :8080.
"""

from infrazen_agent.app import create_app
from infrazen_agent.config import get_settings
from infrazen_agent.logs import configure_logging

configure_logging(get_settings().log_level)
app = create_app(["chat", "tools", "web", "mcp"])  # the web app and MCP (/mcp) beside the chat
# No Mangum handler: WebSockets and streaming do not run on Lambda (buffered, HTTP only).
