"""workflow_engine.queries."""
