"""The FinOps data layer: the canonical model, the price catalog, the recommendation engine,
the demo dataset, and the two sources tools read through (direct SQL, InfraZen's internal API)."""
