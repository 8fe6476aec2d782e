"""Fixtures for the data layer (see tests/conftest.py for the shared servers)."""
