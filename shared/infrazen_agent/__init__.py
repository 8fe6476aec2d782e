"""InfraZen Agent — the library every function of the service is built from.

Layers (one module or sub-package each): config, auth, errors, logs, db, embedded, runtime,
storage, uploads, readiness, app (+ api/ routers), and, in later layers, data, tools, llm,
agent and scenarios.
"""

__version__ = "0.1.0"
