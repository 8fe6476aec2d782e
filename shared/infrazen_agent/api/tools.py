"""The tools component's routes (filled in by its own issue; mounted by functions/ and serve)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["tools"])
