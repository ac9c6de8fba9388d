"""`wfe --help` start-up: the console script in a fresh process, against a bare `python -c pass`.

Both are timed as whole processes (fork, exec, interpreter start, imports, help text), interleaved round by
round, median reported. The script's bytecode is compiled once before the rounds (an installed CLI has its
.pyc files), even where PYTHONDONTWRITEBYTECODE is set. Also counted: the modules `--help` imports, and
whether any heavy one (requests, rich, websockets, yaml, boto3) is among them: they are imported lazily.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from infra.catalog import REPO_ROOT

ROUNDS = 21
HEAVY = ("requests", "rich", "websockets", "yaml", "boto3", "botocore", "urllib3")
SCRIPT = Path(sys.executable).with_name("wfe")


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}


def _elapsed_ms(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one process: CPU time (user + system) is what a busy machine inflates least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # noqa: S603
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def imported_modules(env: dict[str, str]) -> list[str]:
    code = (
        "import sys\nfrom wfe.commands import cli\n"
        "try:\n    cli(['--help'], prog_name='wfe')\nexcept SystemExit:\n    pass\n"
        "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return json.loads(result.stderr.strip().splitlines()[-1])


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    env = _environment()
    help_command = [str(SCRIPT), "--help"]
    bare_command = [sys.executable, "-c", "pass"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO_ROOT / "cli")], env=env, check=True)  # noqa: S603
    for command in (help_command, bare_command):  # warm the page cache
        _elapsed_ms(command, env)
    samples: dict[str, list[tuple[float, float]]] = {"wfe --help": [], "python -c pass": []}
    for _ in range(rounds):
        samples["wfe --help"].append(_elapsed_ms(help_command, env))
        samples["python -c pass"].append(_elapsed_ms(bare_command, env))
    median = {name: round(statistics.median(wall for wall, _ in values), 1) for name, values in samples.items()}
    cpu = {name: round(statistics.median(cpu for _, cpu in values), 1) for name, values in samples.items()}
    bare_modules = json.loads(
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", "import sys, json; print(json.dumps(sorted(sys.modules)))"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    modules = imported_modules(env)
    return {
        "rounds": rounds,
        "median_ms": median,
        "cpu_median_ms": cpu,
        "cpu_overhead_ms": round(cpu["wfe --help"] - cpu["python -c pass"], 1),
        "overhead_ms": round(median["wfe --help"] - median["python -c pass"], 1),
        "ratio": round(median["wfe --help"] / median["python -c pass"], 2),
        "modules": {"python -c pass": len(bare_modules), "wfe --help": len(modules)},
        "heavy_imported": sorted({name.split(".")[0] for name in modules} & set(HEAVY)),
    }


def section(data: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    median, cpu = data["median_ms"], data["cpu_median_ms"]
    heavy = ", ".join(data["heavy_imported"]) or "none"
    return (
        f"Whole processes, median of {data['rounds']} interleaved rounds (`bench/cli_startup.py`).\n\n"
        "| command | wall time (median) | CPU time (median) | modules imported |\n| --- | --- | --- | --- |\n"
        f"| `python -c pass` | {median['python -c pass']:.0f} ms | {cpu['python -c pass']:.0f} ms "
        f"| {data['modules']['python -c pass']} |\n"
        f"| `wfe --help` | {median['wfe --help']:.0f} ms | {cpu['wfe --help']:.0f} ms "
        f"| {data['modules']['wfe --help']} |\n\n"
        f"`wfe --help` costs {data['overhead_ms']:.0f} ms of wall time ({data['cpu_overhead_ms']:.0f} ms of CPU) more "
        f"than a bare interpreter ({data['ratio']:.2f}x wall): "
        f"click and the CLI's own modules. Heavy modules imported by `--help`: {heavy} (requests, rich, "
        "websockets, yaml and boto3 are imported by the commands that use them; a unit test keeps it so)."
    )


if __name__ == "__main__":  # python -m bench.cli_startup [ROUNDS]
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
    print(json.dumps(result, indent=2))
    print(section(result))
