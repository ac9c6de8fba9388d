"""Authentication shared by the deployed WebSocket authorizer and the local stack's HTTP API authorizer."""
