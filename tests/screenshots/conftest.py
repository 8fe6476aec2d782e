"""The chat fixtures (a seeded database, the chat service offline and online), for screenshot turns."""

from tests.chat.conftest import offline_chat, online_chat
from tests.chat.seeded import database_url

__all__ = ["database_url", "offline_chat", "online_chat"]
