"""workflow_engine.notifications.outcomes."""
