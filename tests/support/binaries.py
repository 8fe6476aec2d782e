"""Debian programs the operations tests drive (nginx, promtool, systemd-analyze): `.ci/run`
installs them, so in CI (CI=true) a missing one fails the test; elsewhere it is skipped."""

from __future__ import annotations

import os
import shutil

import pytest


def require(program: str, package: str) -> str:
    """The program's path; skip (or fail, in CI) when it is not installed."""
    path = shutil.which(program) or next(
        (p for p in (f"/usr/sbin/{program}", f"/usr/bin/{program}") if os.access(p, os.X_OK)), None
    )
    if path is not None:
        return path
    message = f"{program} is not installed (Debian package {package}; .ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
