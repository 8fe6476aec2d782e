"""Chat sessions (recommendation and analytics): transcripts in Postgres, hot state and fan-out in
Redis, the turn runner, and the offline answers used when no model is available."""
