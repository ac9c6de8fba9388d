"""One place for Powertools observability: every handler imports these three objects.

The service name, log level and metrics namespace come from the POWERTOOLS_* environment variables
that the stacks set per function.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
