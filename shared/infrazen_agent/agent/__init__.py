"""The agent layer: the bounded tool-calling loop, the events it emits, the number checker."""
