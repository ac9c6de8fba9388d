"""The real-time channel (WebSocket): connections and subscriptions, and the notifier that pushes changes."""
