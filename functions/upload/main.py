"""The upload function: image upload for multimodal chat turns.

Thin adapter: the routes live in the library (infrazen_agent.api.upload). Run locally with
`uvicorn main:app --port 8080` from this folder; OpenFaaS runs the same on :8080.
"""

from mangum import Mangum

from infrazen_agent.app import create_app
from infrazen_agent.config import get_settings
from infrazen_agent.logs import configure_logging

configure_logging(get_settings().log_level)
app = create_app(["upload"])
# AWS Lambda (HTTP only). lifespan off: the runtime starts lazily on the first request.
handler = Mangum(app, lifespan="off")
