"""The README's walkthrough runs as written: its `bash walkthrough` blocks, in order, in one bash session, against
the e2e stack (a fresh local stack, as the README's walkthrough assumes).

The session's working directory is a checkout whose `.local/outputs.json` names the e2e stack, so the README's
own commands find the API and the user pool as they do after `make local` (tests/support/readme_walkthrough.py).
A failing command, an HTTP error the block does not announce, or a hang fails the test with the block, its line
in README.md and its output. The README's `bash walkthrough-aws-cli` block (the AWS CLI sign-in) is run on its
own, after the first block, as a reader choosing it would.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra.catalog import REPO_ROOT, STACK_NAME
from infra.local.provision import LocalResources
from infra.local.server import LocalStack
from tests.support.readme_walkthrough import (
    MARK,
    Block,
    BlockRun,
    checkout_for,
    parse,
    run_session,
    session_env,
    shell_blocks,
)

pytestmark = pytest.mark.xdist_group("e2e")

README = (REPO_ROOT / "README.md").read_text()
WALKTHROUGH = shell_blocks(README, "walkthrough")
AWS_CLI = shell_blocks(README, "walkthrough-aws-cli")
TIMEOUT = 300  # seconds, for the whole walkthrough (16 s on this project's 2-core machine, 2026-12-05)


@pytest.fixture
def checkout(stack, tmp_path: Path) -> Path:
    outputs = {key: value for key, value in stack.items() if key != "ReadySeconds"}
    return checkout_for(REPO_ROOT, tmp_path / "checkout", json.dumps({STACK_NAME: outputs}, indent=2))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "config").mkdir()
    return session_env(tmp_path / "config")


@pytest.fixture
def aws_cli(env: dict[str, str]) -> None:
    """The newcomer's `aws`, or the AWS CLI v1 `make test` installs in .tools/awscli (a virtualenv of its own)."""
    if not shutil.which("aws", path=env["PATH"]):
        env["PATH"] = f"{REPO_ROOT / '.tools' / 'awscli' / 'bin'}:{env['PATH']}"
    assert shutil.which("aws", path=env["PATH"]), "the AWS CLI (v1 or v2) is needed: make .tools/awscli/bin/aws"


def _block(text: str) -> int:
    """The index of the walkthrough block containing `text` (a test names blocks by what they do)."""
    matches = [index for index, block in enumerate(WALKTHROUGH) if text in block.text]
    assert len(matches) == 1, f"{len(matches)} walkthrough blocks contain {text!r}"
    return matches[0]


def test_the_walkthrough_runs_as_written(checkout: Path, env: dict[str, str]) -> None:
    session = run_session(WALKTHROUGH, checkout, env, TIMEOUT)
    failure = session.failure()
    assert failure is None, failure
    assert len(session.runs) == len(WALKTHROUGH)
    # What the README's comments say these blocks show.
    greeting = session.runs[_block('"name": "Greeting"')]
    _shows(greeting, "[local-bedrock model=amazon.nova-micro-v1:0] Reply to: World", '"status":"completed"')
    assert 409 in greeting.http_statuses, f"the cancel of the finished run (409), {_seen(greeting)}"
    batch = session.runs[_block("batch-cancel")]
    _shows(batch, '"values":["World","Moon"]')  # compare: the input diff
    assert re.search(r'"outcome":"cancelled".*"outcome":"conflict"', batch.output), f"batch-cancel, {_seen(batch)}"
    cli = session.runs[_block("wfe signup carol")]
    _shows(cli, "Signed up and signed in as carol", "OK my-workflow.yaml", "Manager approval")
    assert cli.output.count("exit 1") == 2, f"the failing run and the invalid definition, {_seen(cli)}"
    assert (checkout / "my-workflow.yaml").exists()


def _seen(run: BlockRun) -> str:
    return f"{run.block.where()}; its output:\n{run.output[-6000:]}"


def _shows(run: BlockRun, *expected: str) -> None:
    for text in expected:
        assert text in run.output, f"{text!r} is not in the output of {_seen(run)}"


def test_the_aws_cli_sign_in_runs_as_written(checkout: Path, env: dict[str, str], aws_cli: None) -> None:
    check = Block(0, "the test's check", 'curl -sf -o /dev/null "$API/api/workflows" -H "Authorization: Bearer $TOKEN"')
    session = run_session([WALKTHROUGH[0], *AWS_CLI, check], checkout, env, TIMEOUT)
    failure = session.failure()
    assert failure is None, failure
    assert session.runs[-1].http_statuses == [200]  # bob's token from the AWS CLI is accepted


def test_the_ready_banner_commands_run_as_printed(stack, checkout: Path, env: dict[str, str], aws_cli: None) -> None:
    """`make local`'s ready message ends with commands to try in another terminal: the AWS CLI ones (v1 here, which
    reads the region only from AWS_DEFAULT_REGION) and a curl with the token. They run as printed, for a user of
    their own (the walkthrough has an alice)."""
    local = LocalStack(
        api_port=urlsplit(stack["ApiUrl"]).port or 0,
        aws_port=urlsplit(stack["AwsEndpointUrl"]).port or 0,
        region=stack["Region"],
        openapi_file=None,
    )
    local.resources = LocalResources(
        region=stack["Region"],
        user_pool_id=stack["UserPoolId"],
        user_pool_client_id=stack["UserPoolClientId"],
        table_names={},
        function_arns={},
        states_role_arn="",
    )
    message = local.ready_message(Path(".local/outputs.json"), 1.0)
    commands = textwrap.dedent(message.split("Try it (another terminal):\n")[1].split("\nCtrl-C")[0])
    check = Block(0, "the test's check", '[ "$TOKEN" != None ] && echo "token: ${#TOKEN} characters"')
    banner = Block(0, "the ready banner", commands.replace("alice", "banner-user"))
    session = run_session([banner, check], checkout, env, TIMEOUT)
    failure = session.failure()
    assert failure is None, failure
    assert session.runs[0].http_statuses == [200]  # GET /api/workflows with the token


def test_the_walkthrough_is_marked_and_pasteable() -> None:
    """The extractor finds the sign-in, curl, batch and CLI blocks, in that order, and none of them needs what a
    test cannot have (an AWS account, a deploy, Docker, a password typed at a prompt)."""
    assert [_block("infra.local.signin"), _block("-X POST $API/api/workflows "), _block("batch-get")] == [0, 1, 2]
    assert _block("wfe signup carol") == len(WALKTHROUGH) - 1
    assert len(AWS_CLI) == 1 and "aws cognito-idp initiate-auth" in AWS_CLI[0].text
    for block in [*WALKTHROUGH, *AWS_CLI]:
        for line in block.text.splitlines():
            assert not line.startswith("$ "), f"{block.where()}: a prompt and output, not a command: {line}"
            assert not re.search(r"\b(cdk deploy|sam local|docker)\b", line), f"{block.where()}: {line}"
            if re.search(r"\bwfe (signup|login)\b", line):
                assert "--password-stdin" in line, f"{block.where()}: prompts for a password: {line}"


def test_a_broken_block_fails_naming_it(tmp_path: Path) -> None:
    """The session stops at the first failing command and the failure names its block, README line and output;
    an HTTP error the block does not announce fails too (the harness, without a stack)."""
    first = Block(10, "bash walkthrough", "X=1\necho one")
    second = Block(20, "bash walkthrough", "echo two $X\nno-such-command\necho never")
    failure = run_session([first, second], tmp_path, session_env(tmp_path), 30).failure()
    assert failure is not None
    assert failure.startswith("walkthrough block 2, README.md line 20 (bash walkthrough): exit 127")
    output = failure.split("--- its output ---")[1]
    assert "two 1" in output and "never" not in output
    assert "README.md line 22: no-such-command: command not found" in output

    announced = Block(30, "bash walkthrough", "curl ...   # 409: it has finished")
    output = f"\n{MARK} block 1\n{{}}\n{MARK} http 409\n\n{MARK} block 2\nx\n{MARK} http 404\n\n{MARK} block end\n"
    session = parse([announced, first], output, 0)
    assert [run.http_statuses for run in session.runs] == [[409], [404]]
    assert (session.failure() or "").startswith("walkthrough block 2, README.md line 10 (bash walkthrough): HTTP 404")
