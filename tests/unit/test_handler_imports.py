"""Each handler loads only the use cases it serves: the reconciler none of the API's code nor the start, retry,
read or compare use cases; the execution API the execution use cases and not the retired all-in-one service.

Each check imports the handler in a fresh interpreter (as a cold start does) and reads `sys.modules`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from bench.cold_start import lambda_environment, local_environment
from infra.catalog import FUNCTIONS, REPO_ROOT

PYTHONPATH = os.pathsep.join(str(REPO_ROOT / part) for part in (".", "layers/common/python", "functions"))
# What the reconciler must never load: the API's modules, and the use cases it does not serve.
NOT_FOR_THE_RECONCILER = (
    "api",
    "workflow_engine.executions.start",
    "workflow_engine.executions.retry",
    "workflow_engine.executions.launch",
    "workflow_engine.executions.reads",
    "workflow_engine.executions.cancel",
    "workflow_engine.executions.comparison",
    "workflow_engine.asl.compiler",
    "workflow_engine.asl.resume",
    "workflow_engine.executions.idempotency",
)


def loaded_modules(module: str) -> set[str]:
    """The modules loaded by importing the handler module, with the environment the local stack gives it."""
    return set(after_import(module, "print(json.dumps(sorted(sys.modules)))"))


def after_import(module: str, program: str) -> Any:
    """What `program` prints as JSON, run in a fresh interpreter right after importing the handler module."""
    (spec,) = [spec for spec in FUNCTIONS if spec.handler.rpartition(".")[0] == module]
    program = f"import importlib, json, sys\nimportlib.import_module({module!r})\n{program}"
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO_ROOT,
        env={**os.environ, **local_environment(spec), "PYTHONPATH": PYTHONPATH},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def under(modules: set[str], prefix: str) -> set[str]:
    return {name for name in modules if name == prefix or name.startswith(prefix + ".")}


def test_the_reconciler_loads_only_the_reconcile_use_case():
    modules = loaded_modules("reconciler.handler")

    assert "workflow_engine.executions.reconcile" in modules  # the probe imports what it should
    assert {name for prefix in NOT_FOR_THE_RECONCILER for name in under(modules, prefix)} == set()


def test_the_execution_api_loads_the_execution_use_cases():
    modules = loaded_modules("api.executions")

    for use_case in ("start", "retry", "cancel", "reads", "reconcile"):
        assert f"workflow_engine.executions.{use_case}" in modules
    assert "workflow_engine.data.sfn_gateway" in modules
    assert under(modules, "api.workflow_routes") == set() and under(modules, "api.query_routes") == set()


def test_the_cold_start_bench_states_every_setting_each_function_needs():
    # The bench imports each handler with the environment a deployed stack gives it: a setting added to a
    # function without a bench value would end `make bench` with a KeyError, here it ends a unit test.
    for spec in FUNCTIONS:
        environment = lambda_environment(spec, "/var/task")
        missing = [name for name in spec.settings.stack_settings() if name not in environment]
        assert missing == [], f"{spec.id}: {missing}"


def test_the_workflow_api_loads_pyyaml_only_when_a_document_is_parsed():
    # POST /api/workflows/parse is one route of many: PyYAML (about 15 ms to import) stays off the cold start.
    modules = loaded_modules("api.workflows")

    assert "workflow_engine.workflows.documents" in modules  # the probe imports what it should
    assert under(modules, "yaml") == set()


def test_the_workflow_api_loads_the_schedule_and_trigger_modules_only_when_a_workflow_is_deleted():
    # Their routes are another function's (api.triggers); deleting a workflow deletes its schedules and triggers
    # (api.workflow_dependents), and imports their modules then: the cron parser, their models, Scheduler's gateway.
    modules = loaded_modules("api.workflows")

    assert "api.workflow_dependents" in modules  # the probe imports what it should
    for lazy in (
        "api.schedule_routes",
        "api.trigger_routes",
        "workflow_engine.schedules",
        "workflow_engine.triggers",
        "workflow_engine.models.schedules",
        "workflow_engine.models.triggers",
        "workflow_engine.data.scheduler",
    ):
        assert under(modules, lazy) == set(), lazy


def test_the_trigger_api_loads_no_workflow_route_compiler_or_execution_code():
    modules = loaded_modules("api.triggers")

    assert {"workflow_engine.schedules.service", "workflow_engine.triggers.manage"} <= modules
    for absent in (
        "api.workflow_routes",
        "workflow_engine.workflows",
        "workflow_engine.asl",
        "workflow_engine.executions",
    ):
        assert under(modules, absent) == set(), absent


def test_the_execution_api_loads_the_workflow_model_and_the_step_registry_only_when_a_request_needs_them():
    # A start or retry reads the workflow (its model and step types, about 6 ms); a resume finds the entry states
    # with the step registry, which pulls the ASL compiler's modules (about 9 ms): neither is on the cold start.
    modules = loaded_modules("api.executions")

    assert "workflow_engine.executions.retry" in modules  # the probe imports what it should
    for lazy in ("workflow_engine.models.workflow", "workflow_engine.asl.registry", "workflow_engine.asl.resume"):
        assert under(modules, lazy) == set(), lazy
    # Its settings read the step registry's names (one ARN per Lambda-kind type): the registry names each type's config
    # model by its path, so neither the step configs nor the blocks' (with their conditions) are loaded for that.
    assert "workflow_engine.models.step_types" in modules
    for lazy in ("workflow_engine.models.step_configs", "workflow_engine.models.block_configs"):
        assert under(modules, lazy) == set(), lazy


def test_the_workflow_api_loads_the_compiler_only_when_a_request_compiles():
    # Saves, validations and recompiles compile (the ASL compiler, about 5 ms); reads, deletes, schedules and
    # triggers do not. The trigger routes answer no execution, so the execution models (about 9 ms) stay off too.
    modules = loaded_modules("api.workflows")

    assert "workflow_engine.workflows.service" in modules  # the probe imports what it should
    assert under(modules, "workflow_engine.asl.compiler") == set()
    assert under(modules, "workflow_engine.models.execution") == set()


def test_the_execution_api_builds_its_models_on_first_use():
    # pydantic builds a model's validator and serializer when the class is defined, unless `defer_build`: a request
    # uses one or two of the API's models, so the import builds none of these.
    program = (
        "from workflow_engine.models import batch, execution, notification\n"
        "models = [execution.ExecutionStatusResponse, execution.ExecutionLogResponse, execution.ExecutionRecord,\n"
        "    execution.LogRecord, batch.BatchGetResponse, batch.ComparisonResponse, notification.DeliveryResponse]\n"
        "print(json.dumps([model.__name__ for model in models if model.__pydantic_complete__]))"
    )

    assert after_import("api.executions", program) == []


API_HANDLERS = sorted({spec.handler.rpartition(".")[0] for spec in FUNCTIONS if spec.handler.startswith("api.")})
# What Powertools' event handler package would import besides the HTTP API's resolver (api.lean_event_handler).
OTHER_RESOLVERS = (
    "asyncio",
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.events_appsync",
    "aws_lambda_powertools.event_handler.vpc_lattice",
)


def test_no_api_handler_loads_the_resolvers_an_http_api_never_uses():
    assert len(API_HANDLERS) >= 6  # the probe covers every API function
    for module in API_HANDLERS:
        modules = loaded_modules(module)

        assert "aws_lambda_powertools.event_handler.api_gateway" in modules, module  # it imports what it should
        assert {name for prefix in OTHER_RESOLVERS for name in under(modules, prefix)} == set(), module


def test_nor_does_its_first_request():
    # A request runs Powertools' routing, OpenAPI validation and the error handlers: none of them needs the package's
    # other names. This one fails validation (a limit that is not a number), so it needs no AWS call. The event is
    # written out here: the local stack's gateway (infra.local.gateway) itself imports asyncio.
    event = {
        "version": "2.0",
        "routeKey": "GET /api/workflows/executions",
        "rawPath": "/api/workflows/executions",
        "rawQueryString": "limit=many",
        "headers": {},
        "queryStringParameters": {"limit": "many"},
        "requestContext": {
            "http": {"method": "GET", "path": "/api/workflows/executions", "sourceIp": "127.0.0.1"},
            "authorizer": {"jwt": {"claims": {"sub": "someone", "token_use": "access"}, "scopes": None}},
            "requestId": "1",
            "routeKey": "GET /api/workflows/executions",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    program = (
        "import types\n"
        "context = types.SimpleNamespace(function_name='ExecutionsApi', memory_limit_in_mb=512,\n"
        "    invoked_function_arn='', aws_request_id='1', function_version='$LATEST')\n"
        f"response = sys.modules['api.executions'].handler({event!r}, context)\n"
        "print(json.dumps([response['statusCode'], [m for m in sys.modules if m.split('.')[0] == 'asyncio'\n"
        "    or m.startswith('aws_lambda_powertools.event_handler.appsync')]]))"
    )

    assert after_import("api.executions", program) == [422, []]
