"""Schedules: a workflow started by EventBridge Scheduler (rate, cron, at), in an IANA time zone."""
