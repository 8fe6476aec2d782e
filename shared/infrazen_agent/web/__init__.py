"""The product's own web app: static files (`static/`), no build step and no CDN. The page talks
to the same public API as any client (the tool API, recommendation texts, chat over WebSocket);
`api/web.py` serves it, and in dev mode lets a person sign in as a demo user."""
