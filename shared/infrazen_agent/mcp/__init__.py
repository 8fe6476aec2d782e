"""The MCP server (Model Context Protocol, the official `mcp` SDK): the registry's read tools,
action proposals, the chat scenarios' prompts and the tenant's recommendations as resources, over
streamable HTTP at `/mcp` (http.py) and over stdio (stdio.py). Inside this package the SDK is
always imported absolutely (`from mcp.server import …`): `infrazen_agent.mcp` never shadows it."""
