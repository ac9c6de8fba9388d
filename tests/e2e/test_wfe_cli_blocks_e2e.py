"""`wfe` with block steps, end to end: the CLI's example (a choice, a parallel, a map) created from YAML, drawn as
a tree, run, followed and its logs listed; a nested mistake is a 422 naming the step path."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.catalog import REPO_ROOT
from tests.e2e.wfe_cli import Wfe, write_definition

pytestmark = pytest.mark.xdist_group("e2e")

EXAMPLE = REPO_ROOT / "cli" / "examples" / "blocks.yaml"
ORDER = '{"total": 1200, "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 0}]}'
OTHER_ORDER = '{"total": 1200, "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 5}]}'
INNER_STEPS = ("Ask finance", "Customer", "Stock", "Shipping", "check line")

NESTED_MISTAKE = """
name: Nested mistake
steps:
  - name: Route order
    type: choice
    config:
      branches:
        - when: {path: input.total, op: ge, value: 1000}
          steps:
            - {name: Ask finance, type: transform, config: {}}
  - name: each line
    type: map
    config: {items: input.items, max_concurrency: 99, steps: [{name: check, type: wait, config: {seconds: -1}}]}
"""


def test_the_blocks_example_is_drawn_run_followed_and_logged(wfe: Wfe) -> None:
    created = wfe.ok("workflows", "create", "-f", str(EXAMPLE), "--json").json()
    shown = wfe.ok("workflows", "show", created["id"]).stdout
    assert "├─ when input.total ge 1000" in shown and "└─ otherwise" in shown, shown
    assert '├─ branch "customer"' in shown and "└─ each item of input.items" in shown
    assert "   └─ check line" in shown

    followed = wfe.ok("run", created["id"], "--input", ORDER, "--follow")
    for block in ("Route order", "Enrich", "each line", "Summary"):
        assert any(line.startswith(f"✓ {block}") for line in followed.stdout.splitlines()), followed.stdout
    run_id = followed.stdout.splitlines()[0].split()[1]

    final = wfe.ok("status", run_id, "--json").json()
    assert final["status"] == "completed"
    assert final["output_data"]["route"] == {"branch": 0, "output": {"approver": "finance", "total": 1200}}
    assert final["output_data"]["lines"] == [{"sku": "A", "ok": True, "line": 0}, {"sku": "B", "ok": False, "line": 1}]

    logs = wfe.ok("logs", run_id, "--json").json()
    assert {log["step_name"] for log in logs} >= {*INNER_STEPS, "Summary"}
    assert {(log["step_name"], log["parent_step"], log["iteration"]) for log in logs if log["parent_step"]} == {
        ("Ask finance", "Route order", None),
        ("Customer", "Enrich", None),
        ("Stock", "Enrich", None),
        ("Shipping", "Enrich", None),
        ("check line", "each line", 0),
        ("check line", "each line", 1),
    }
    table = wfe.ok("logs", run_id).stdout  # the logs as a tree: each block's attempts under it, a map's by item
    assert "each line[0] > check line" in table and "each line[1] > check line" in table, table
    assert "└─ Ask finance" in table and "Route order" in table

    # A second run whose second line differs: compare aligns the map's rows by item, and says which item differs.
    other = wfe.ok("run", created["id"], "--input", OTHER_ORDER, "--wait", "--json").json()
    compared = wfe.ok("compare", run_id, other["id"]).stdout
    rows = {line.split("│")[1].strip(): line for line in compared.splitlines() if line.count("│") > 4}
    assert "each line[0] > check line" in rows, compared
    assert rows["each line[0] > check line"].rstrip(" │").endswith("same"), compared
    assert rows["each line[1] > check line"].rstrip(" │").endswith("output differs"), compared
    assert "Output of each line[1] > check line" in compared


def test_a_nested_mistake_is_a_422_naming_the_step_path(wfe: Wfe, tmp_path: Path) -> None:
    result = wfe("workflows", "create", "-f", str(write_definition(tmp_path, "nested.yaml", NESTED_MISTAKE)))
    assert result.code == 2, result.stdout + result.stderr
    assert 'steps[0] "Route order" > branches[0] > steps[0] "Ask finance".config.expression: Field required' in (
        result.stderr
    )
    assert 'steps[1] "each line".config.max_concurrency: Input should be less than or equal to 40' in result.stderr
    assert 'steps[1] "each line" > steps[0] "check".config.seconds' in result.stderr
