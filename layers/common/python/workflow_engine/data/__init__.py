"""Data access: every DynamoDB read and write of the engine goes through these repositories."""
