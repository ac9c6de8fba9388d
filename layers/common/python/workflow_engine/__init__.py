"""Shared code of the workflow engine: settings, models, data access, compiler, engine, step logic."""
