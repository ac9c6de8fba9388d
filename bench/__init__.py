"""`make bench`: measurements of what the engine costs per request, per step and per month (see BENCHMARKS.md)."""
