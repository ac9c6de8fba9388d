"""`make bench` cannot rot: every section of bench.__main__.SECTIONS runs once at a tiny size (`python -m bench
--quick`, in-process moto, a local stack, Chromium) and writes its figures and the report, into a temporary
directory (never the committed BENCHMARKS.md and bench/results.json).

Nothing here asserts on a figure, a budget or a time: a quick run's figures mean nothing. A bench module nobody
registered in SECTIONS fails here too, so a new section cannot be left out of the smoke run.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.__main__ import REPORT, RESULTS, SECTIONS, chosen, main, measure
from bench.registry import Phase, Section, lookup
from bench.report import remeasured_lines
from infra.catalog import REPO_ROOT

# bench/ modules that measure nothing themselves: the runner, the harnesses, the report.
HELPERS = {"__init__", "__main__", "harness", "counting", "registry", "report"}


def test_every_bench_module_is_a_registered_section() -> None:
    modules = {path.stem for path in (REPO_ROOT / "bench").glob("*.py")} - HELPERS
    registered = {section.module.__name__.rpartition(".")[2] for section in SECTIONS}
    assert modules - registered == set(), "register these in bench/__main__.py SECTIONS (or, if they measure "
    "nothing, in HELPERS here)"
    assert len({section.key for section in SECTIONS}) == len(SECTIONS), "two sections write the same figures"


@pytest.mark.parametrize(
    "committed", [["--quick"], ["--quick", "--results", "elsewhere.json"], ["--quick", "--report", "elsewhere.md"]]
)
def test_a_quick_run_never_writes_the_committed_files(committed: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(committed)
    assert refused.value.code == 2  # argparse's usage error, before any measurement


@pytest.mark.slow
def test_quick_bench_runs_every_section_and_writes_its_figures(tmp_path: Path, record_property) -> None:  # noqa: ANN001
    results, report = tmp_path / "results.json", tmp_path / "BENCHMARKS.md"
    committed = {path: path.read_bytes() for path in (RESULTS, REPORT)}
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PYTEST"))},
        "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in (".", "layers/common/python", "functions")),
    }
    started = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 (this interpreter, the bench's own entry point)
        [sys.executable, "-m", "bench", "--quick", "--results", str(results), "--report", str(report)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    record_property("figure", f"bench smoke (python -m bench --quick): {time.perf_counter() - started:.0f} s")

    assert results.exists() and report.exists(), finished.stdout[-3000:] + finished.stderr[-6000:]
    figures = json.loads(results.read_text())
    assert figures["machine"]["quick"] is True
    for section in SECTIONS:
        assert lookup(figures, section.key), f"{section.title}: no figures at {section.key}"
    text = report.read_text()
    assert text.startswith("# Benchmarks")
    assert all(name in text for name in figures["budgets"])  # the summary table has every budget
    assert {path: path.read_bytes() for path in committed} == committed


def _prerequisites(target: str) -> set[str]:
    makefile = (REPO_ROOT / "Makefile").read_text()
    line = next(line for line in makefile.splitlines() if line.startswith(f"{target}:"))
    return set(line.split(":", 1)[1].split())


def test_make_bench_builds_what_the_bench_reads_on_a_clean_clone() -> None:
    """web/vendor/ (bench/web.py reads the chart library) and chromium (it drives the browser), as `make local`
    and `make test` have them."""
    assert _prerequisites("bench") >= _prerequisites("local") | {"browser"}


# --- `python -m bench --only SECTION`: one section re-measured into a full run's figures ------------------------
def test_only_refuses_an_unknown_section_and_names_the_known_ones() -> None:
    with pytest.raises(SystemExit) as refused:
        chosen(["cold_begin"])
    assert "no section cold_begin" in str(refused.value) and "cold_start" in str(refused.value)
    assert [section.key for section in chosen(["realtime.latency"])] == [("realtime", "latency")]


def test_only_with_quick_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as refused:
        main(["--only", "cold_start", "--quick", "--results", "a.json", "--report", "a.md"])
    assert refused.value.code == 2


def test_only_replaces_that_section_keeps_the_rest_and_says_so() -> None:
    earlier = json.loads(RESULTS.read_text())
    kept = json.dumps(earlier["transitions"])
    again = {**earlier["expressions"], "taken": "again"}  # the section's figures, as a new measurement of it
    section = Section("expression budgets", ("expressions",), Phase.PROCESSES, SECTIONS[0].module, lambda _: again)
    results = measure([section], earlier=json.loads(RESULTS.read_text()))
    assert results["expressions"] == again and json.dumps(results["transitions"]) == kept
    assert set(results["machine"]["remeasured"]) == {*earlier["machine"].get("remeasured", {}), "expressions"}
    assert results["machine"]["seconds"] == earlier["machine"]["seconds"]  # the full run's duration stays its own
    assert "Re-measured alone (`python -m bench --only expressions`)" in remeasured_lines(results["machine"])
