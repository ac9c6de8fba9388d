"""Inbound webhook triggers: managing them (manage) and receiving signed calls (inbound, signature)."""
