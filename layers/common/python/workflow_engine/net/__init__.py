"""workflow_engine.net."""
