"""Secrets: the use cases of the secrets API (set, list, delete), per user."""
