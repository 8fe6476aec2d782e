"""Recommendation text (scenario 1): facts from tools, deterministic templates, optional model
prose verified number by number, cached by a facts version."""
