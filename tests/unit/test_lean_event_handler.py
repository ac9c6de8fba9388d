"""api.lean_event_handler: Powertools' event handler package without its initializer, each case in a fresh
interpreter (the package is imported once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from infra.catalog import REPO_ROOT

PYTHONPATH = os.pathsep.join(str(REPO_ROOT / part) for part in (".", "layers/common/python", "functions"))


def run(program: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", f"import json, sys\n{program}"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_http_api_names_are_powertools_own_and_nothing_else_is_imported():
    seen = run(
        "from api.lean_event_handler import install\n"
        "install()\n"
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types\n"
        "from aws_lambda_powertools.event_handler import api_gateway\n"
        "print(json.dumps([APIGatewayHttpResolver is api_gateway.APIGatewayHttpResolver,\n"
        "    Response is api_gateway.Response, content_types.APPLICATION_JSON,\n"
        "    'asyncio' in sys.modules, 'aws_lambda_powertools.event_handler.appsync' in sys.modules]))"
    )

    assert seen == [True, True, "application/json", False, False]


def test_any_other_name_runs_the_real_initializer_once():
    seen = run(
        "import api  # installs it\n"
        "from aws_lambda_powertools.event_handler import AppSyncResolver\n"
        "import aws_lambda_powertools.event_handler as package\n"
        "from aws_lambda_powertools.event_handler.appsync import AppSyncResolver as defined\n"
        "from aws_lambda_powertools.event_handler import api_gateway\n"
        "from api.lean_event_handler import FROM_API_GATEWAY\n"
        "print(json.dumps([AppSyncResolver is defined, sorted(package.__all__) == sorted(\n"
        "    name for name in package.__all__ if hasattr(package, name)), 'asyncio' in sys.modules,\n"
        "    # what the shim answers from api_gateway is what Powertools' own initializer binds\n"
        "    sorted(name for name in FROM_API_GATEWAY if vars(package)[name] is not getattr(api_gateway, name))]))"
    )

    assert seen == [True, True, True, []]


def test_a_name_the_package_does_not_have_is_an_import_error():
    seen = run(
        "import api\n"
        "try:\n"
        "    from aws_lambda_powertools.event_handler import NoSuchResolver\n"
        "except ImportError as error:\n"
        "    print(json.dumps(str(error)))"
    )

    assert "NoSuchResolver" in seen


def test_a_package_imported_before_is_left_as_it_is():
    seen = run(
        "import aws_lambda_powertools.event_handler as before\n"
        "import api\n"
        "import aws_lambda_powertools.event_handler as after\n"
        "print(json.dumps([before is after, hasattr(before, 'AppSyncResolver')]))"
    )

    assert seen == [True, True]
