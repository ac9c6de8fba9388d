"""Powertools' HTTP API resolver, without every other resolver its package imports.

`aws_lambda_powertools/event_handler/__init__.py` imports each resolver Powertools has: AppSync's (and with it
`asyncio`), AppSync Events', Bedrock agents', VPC Lattice's, Lambda function URLs'. An API function here uses one,
the HTTP API's, and paid about 40 ms of its cold start (0.2x a bare `import boto3`) for the others.

`install()`, run by the `api` package before any handler module imports Powertools, registers that package without
running its initializer:
- its submodules import as usual (the module keeps the package's `__path__`);
- the names the initializer takes from `api_gateway` (the resolvers, `Response`, `CORSConfig`) resolve to the very
  same objects, from `api_gateway`;
- the first use of any other name runs the real initializer once, so code that needs the rest (AppSync's resolver,
  a test) gets the package exactly as Powertools defines it.
If the package is already imported, nothing changes. tests/unit/test_lean_event_handler.py pins each case.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

PACKAGE = "aws_lambda_powertools.event_handler"
FROM_API_GATEWAY = frozenset(
    {"ALBResolver", "APIGatewayHttpResolver", "ApiGatewayResolver", "APIGatewayRestResolver", "CORSConfig", "Response"}
)


def install() -> None:
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)  # imports the parent package (aws_lambda_powertools), not this one
    if spec is None or spec.loader is None:
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader
    initialized = False

    def __getattr__(name: str) -> object:  # noqa: N807 (PEP 562: a module's fallback for a missing name)
        nonlocal initialized
        if name in FROM_API_GATEWAY:
            return getattr(importlib.import_module(f"{PACKAGE}.api_gateway"), name)
        if not name.startswith("__") and importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
            return importlib.import_module(f"{PACKAGE}.{name}")  # a submodule (`from ... import content_types`)
        if not initialized:
            initialized = True
            loader.exec_module(package)  # the real initializer, into this same module
            if name in vars(package):
                return vars(package)[name]
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[PACKAGE] = package
    parent: ModuleType = sys.modules[PACKAGE.rpartition(".")[0]]
    setattr(parent, PACKAGE.rpartition(".")[2], package)
