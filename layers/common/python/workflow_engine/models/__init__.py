"""Pydantic models: workflow definitions, executions, logs and API payloads."""
