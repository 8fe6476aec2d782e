"""Context packs: small, token-budgeted snapshots of the data a chat scope is about."""
