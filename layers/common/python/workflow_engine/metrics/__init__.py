"""Execution and step metrics: log-bucketed duration histograms, time buckets, and their aggregation."""
