"""How the agent words things for people: one voice on every surface (recommendation texts, the
offline chat, tool summaries, context packs)."""

from .numbers import Lang, MoneyLike, format_amount, format_money, format_number, format_percent

__all__ = ["Lang", "MoneyLike", "format_amount", "format_money", "format_number", "format_percent"]
