"""`wfe secrets ls|set|rm`: the caller's secrets. A value is read from a prompt without echo (a terminal) or from
standard input (a pipe), never from an argument: arguments end up in shell history and in `ps`."""

from __future__ import annotations

import re
import sys

import click

from wfe.commands import CONTEXT, Ctx, cli, command
from wfe.errors import UsageError

NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # as the API checks it (GET /openapi.json: the path pattern)
MAX_CHARS = 65_536


@cli.group(context_settings=CONTEXT)
def secrets() -> None:
    """List, set and delete your secrets (steps use them as {{ secrets.NAME }}; values are never shown)."""


def _checked(name: str) -> str:
    if not NAME.match(name):
        raise UsageError(f"Invalid secret name {name!r}: 1..64 of A-Z a-z 0-9 _ -")
    return name


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def read_value() -> str:
    """The value: prompted without echo on a terminal, else standard input (one trailing newline dropped)."""
    if stdin_is_terminal():
        value = click.prompt("Value", hide_input=True, confirmation_prompt=True, err=True)
    else:
        value = sys.stdin.read()
        value = value[:-2] if value.endswith("\r\n") else value[:-1] if value.endswith("\n") else value
    if not value:
        raise UsageError("No value: type it at the prompt, or pipe it on standard input")
    if len(value) > MAX_CHARS:
        raise UsageError(f"The value holds {len(value)} characters; a secret holds at most {MAX_CHARS}")
    return value


@command(secrets, "ls")
def secrets_ls(context: Ctx) -> None:
    """Your secrets: names and when each was last set."""
    from wfe import render

    items = context.api.get("/api/secrets")

    def human() -> object:
        if not items:
            return "No secrets yet: wfe secrets set NAME"
        table = render.table_of("NAME", "UPDATED")
        for item in items:
            table.add_row(render.escape(item["name"]), render.when(item.get("updated_at")))
        return table

    context.emit(items, human)


@command(secrets, "set")
@click.argument("name")
def secrets_set(context: Ctx, name: str) -> None:
    """Create or replace secret NAME. The value is read from a hidden prompt, or from standard input when it is not
    a terminal (`printf %s "$TOKEN" | wfe secrets set API_TOKEN`); never from the command line."""
    value = read_value()
    context.api.json("PUT", f"/api/secrets/{_checked(name)}", json={"value": value})
    context.emit({"set": name}, lambda: f"Secret {name} set (use it as {{{{ secrets.{name} }}}})")


@command(secrets, "rm")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def secrets_rm(context: Ctx, name: str, yes: bool) -> None:
    """Delete secret NAME (at once: steps that use it then fail with SecretNotFound)."""
    _checked(name)
    if not yes:
        if not stdin_is_terminal():
            raise UsageError("Refusing to delete without confirmation: add --yes")
        click.confirm(f"Delete secret {name}? Steps that use it will fail", abort=True, err=True)
    context.api.json("DELETE", f"/api/secrets/{name}")
    context.emit({"deleted": name}, lambda: f"Deleted secret {name}")
