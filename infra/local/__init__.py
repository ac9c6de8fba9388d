"""The embedded local stack: moto as the AWS endpoint, the HTTP API on its own port, handlers in-process."""
