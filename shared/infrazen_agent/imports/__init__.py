"""Bring your own bill: FOCUS billing exports into the tenant's data.

- `focus`: the specification's columns per version, required columns, cost columns, charge categories;
- `reader`: CSV, CSV.gz and Parquet files read in columnar batches;
- `mapping`: rows checked and turned into daily staging lines and resources;
- `conformance`: the per-file report (version, missing columns, refused rows, null rates, totals);
- `load`: one file into the canonical tables in one transaction (COPY, idempotent per file);
- `jobs`: an import as a job with status and progress (the API's background, the CLI's inline);
- `generate`: FOCUS files of any size from the demo tenants' data (tests and benchmarks).
"""
