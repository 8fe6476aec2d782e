"""Action tools: things that change something outside (a change-plan document, a ticket). The
model only proposes one; the user confirms the exact payload; it runs once (docs/chat-protocol.md, "Actions")."""
