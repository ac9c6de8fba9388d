"""wfe's packaging: the console script, only the CLI packaged, no CLI dependency in the Lambda runtime, lazy
imports (what `wfe --help` loads), and Click's usage errors as exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from click.testing import CliRunner

from infra.catalog import REPO_ROOT
from wfe.commands import cli

HEAVY = ("requests", "rich", "websockets", "yaml", "boto3", "botocore", "urllib3")
# (pyyaml is shared: the API parses workflow files with it too, POST /api/workflows/parse, as `wfe` does)
CLI_ONLY = ("click", "rich", "websockets")


def _requirement_names(file: str) -> set[str]:
    names = set()
    for line in (REPO_ROOT / file).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(line.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower())
    return names


def test_the_project_packages_only_the_cli_and_declares_its_script() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"wfe": "wfe.commands:main"}
    assert project["tool"]["setuptools"]["packages"] == ["wfe"]
    assert project["tool"]["setuptools"]["package-dir"] == {"": "cli"}


def test_cli_dependencies_stay_out_of_the_lambda_runtime_but_are_locked_for_dev() -> None:
    runtime = _requirement_names("requirements.txt")
    development = _requirement_names("requirements-dev.txt")
    assert not runtime & set(CLI_ONLY)
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    declared = {dependency.split(">")[0].split("=")[0].lower() for dependency in project["project"]["dependencies"]}
    assert declared <= runtime | development  # every CLI dependency is installed by `make install`
    assert not any((REPO_ROOT / "layers").rglob("wfe"))


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys, json\n"
        "from wfe.commands import cli\n"
        "try:\n    cli(['--help'], prog_name='wfe')\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT / "cli")},
    )
    assert json.loads(result.stderr.strip().splitlines()[-1]) == []
    assert "Exit codes" in result.stdout


def test_usage_errors_exit_2_and_a_missing_stack_says_how_to_get_one(tmp_path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["run"]).exit_code == 2  # missing argument (Click)
    assert runner.invoke(cli, ["ls", "--status", "done"]).exit_code == 2
    result = runner.invoke(cli, ["ls", "--since", "2x", "--outputs", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "Not a duration" in result.output
    result = runner.invoke(cli, ["whoami", "--outputs", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "make local" in result.output
    result = runner.invoke(cli, ["compare", "only-one", "--outputs", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "2 to 10" in result.output
