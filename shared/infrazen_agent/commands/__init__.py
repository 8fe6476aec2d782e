"""CLI commands contributed by the library's layers: each module here registers its commands
with `infrazen_agent.cli.command` when imported (seed, demo, text, …)."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
