"""openapi.json is generated from the routes (make openapi) and must never drift from them."""

import json

from api.openapi import openapi_json
from infra.catalog import REPO_ROOT, ROUTES


def test_committed_document_matches_the_routes():
    committed = json.loads((REPO_ROOT / "openapi.json").read_text())
    assert committed == json.loads(openapi_json()), "openapi.json is stale: run `make openapi`"


def test_document_covers_every_route_of_the_catalog():
    paths = json.loads(openapi_json())["paths"]
    declared = {(route.method.lower(), route.path) for route in ROUTES}
    documented = {(method, path) for path, operations in paths.items() for method in operations}
    assert declared == documented
