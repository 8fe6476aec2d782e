"""Fixtures for the llm layer (see tests/conftest.py for the shared servers)."""
