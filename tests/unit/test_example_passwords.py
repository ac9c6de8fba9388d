"""Every example password the project shows (docs, the sign-in helper, the test suites, the local stack's banner)
satisfies the password policy the stacks deploy (infra/declarations.py PASSWORD_POLICY), so the README's sign-up
works against a deployed stack too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.catalog import REPO_ROOT
from infra.declarations import EXAMPLE_PASSWORD, PASSWORD_POLICY
from infra.local.provision import LocalResources
from infra.local.server import LocalStack

# Where passwords are shown: documentation, helpers, the CLI, benchmarks and every test suite's set-up and helper
# modules (conftest.py, fault_stack.py, wfe_cli.py...: every module under tests/ that is not itself a test).
SOURCES = sorted(
    {
        *REPO_ROOT.glob("*.md"),
        *(REPO_ROOT / "docs").rglob("*.md"),
        *(REPO_ROOT / "infra").rglob("*.py"),
        *(REPO_ROOT / "cli").rglob("*.py"),
        *(REPO_ROOT / "bench").rglob("*.py"),
        *(path for path in (REPO_ROOT / "tests").rglob("*.py") if not path.name.startswith("test_")),
    }
)
# A literal password: `--password 'x'`, `PASSWORD='x'` (shell), `Password="x"` / `password="x"` (keywords and
# assignments), or the password argument of the sign-in helper, `sign_in(outputs, user, "x")`.
# A value with braces is a template (`'{EXAMPLE_PASSWORD}'`), checked where it is rendered.
_ARGUMENT = r"(?:[^,()]|\([^()]*\))+"  # an argument, calls without commas in it included: f"u-{uuid.uuid4()}"
PATTERNS = (
    re.compile(r"--password\s+'([^'{}]+)'"),
    re.compile(r"""\b(?:PASSWORD|[Pp]assword)\s*=\s*(?:'([^'{}]+)'|"([^"{}]+)")"""),
    re.compile(rf"""\bsign_in\(\s*{_ARGUMENT},\s*{_ARGUMENT},\s*(?:'([^'{{}}]+)'|"([^"{{}}]+)")"""),
)


def passwords_in(text: str) -> set[str]:
    return {value for pattern in PATTERNS for match in pattern.finditer(text) for value in match.groups() if value}


def _ready_message() -> str:
    stack = LocalStack(api_port=8000, aws_port=4566, region="us-east-1", openapi_file=None)
    stack.resources = LocalResources(
        region="us-east-1",
        user_pool_id="us-east-1_example",
        user_pool_client_id="client",
        table_names={},
        function_arns={},
        states_role_arn="",
    )
    return stack.ready_message(Path(".local/outputs.json"), 1.0)


def _examples() -> list[tuple[str, str]]:
    found = [
        (str(path.relative_to(REPO_ROOT)), value)
        for path in SOURCES
        for value in sorted(passwords_in(path.read_text()))
    ]
    found += [("the local stack's ready message", value) for value in sorted(passwords_in(_ready_message()))]
    found.append(("infra/declarations.py EXAMPLE_PASSWORD", EXAMPLE_PASSWORD))
    return found


def test_the_documented_places_show_passwords() -> None:
    where = {source for source, _ in _examples()}
    assert {
        "README.md",
        "tests/e2e/wfe_cli.py",
        "the local stack's ready message",
        "infra/declarations.py EXAMPLE_PASSWORD",
    } <= where


@pytest.mark.parametrize(("source", "password"), _examples())
def test_every_example_password_satisfies_the_deployed_policy(source: str, password: str) -> None:
    assert PASSWORD_POLICY.violations(password) == [], f"{source} shows {password!r}"


@pytest.mark.parametrize(
    ("password", "violations"),
    [
        ("Passw0rd!23", ["needs at least 12 characters"]),
        ("correct-horse-42!", ["needs an uppercase letter"]),
        ("CORRECT-HORSE-42!", ["needs a lowercase letter"]),
        ("Correct-Horse-!!", ["needs a digit"]),
        ("CorrectHorse42xx", ["needs a symbol"]),
        ("Correct Horse 42", []),  # an inner space counts as a symbol
        (" CorrectHorse42", ["needs a symbol"]),  # a leading one does not
    ],
)
def test_the_policy_check_refuses_what_cognito_refuses(password: str, violations: list[str]) -> None:
    assert PASSWORD_POLICY.violations(password) == violations


def test_the_extraction_finds_each_way_a_password_is_written() -> None:
    text = """
    aws cognito-idp sign-up --client-id C --username alice --password 'One-Password-1!'
      --auth-parameters USERNAME=alice,PASSWORD='Two-Password-2!' --query X
    cognito.sign_up(ClientId=c, Username="u", Password="Three-Password-3!")
    PASSWORD = "Four-Password-4!"
    token = sign_in(outputs, "bob", "Five-Password-5!", "IdToken")
    token = sign_in(outputs, f"carol-{uuid.uuid4().hex[:8]}", "Six-Password-6!")
    """
    assert passwords_in(text) == {
        "One-Password-1!",
        "Two-Password-2!",
        "Three-Password-3!",
        "Four-Password-4!",
        "Five-Password-5!",
        "Six-Password-6!",
    }
