"""HTTP/WebSocket routers, one module per function component; functions/ only mount these."""
