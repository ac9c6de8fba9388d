"""workflow_engine.workflows."""
