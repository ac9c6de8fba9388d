"""workflow_engine.platform."""
