"""FinOps reports: a snapshot of the tenant's data read through the tools, and its HTML page."""
