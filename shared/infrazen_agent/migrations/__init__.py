"""Versioned SQL migrations, `NNNN_name.sql`, applied in order by `infrazen_agent.db.migrate`."""
