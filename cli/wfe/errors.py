"""What can go wrong, and the exit code each outcome gives (documented in the README's "CLI" section)."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    RUN_FAILED = 1  # the run failed, was cancelled or timed out (--wait/--follow); a 409 refusal
    USAGE = 2  # bad arguments, a file that cannot be read, a request the server found invalid (400/413/422)
    NOT_FOUND = 3
    AUTH = 4
    SERVER = 5  # the server answered 5xx, or could not be reached, after retries


class CliError(Exception):
    """An error the CLI reports in one readable message (or several lines), then exits with `code`."""

    code = Exit.SERVER

    def __init__(self, message: str, details: list[str] | None = None, body: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.body = body


class UsageError(CliError):
    code = Exit.USAGE


class NotFound(CliError):
    code = Exit.NOT_FOUND


class AuthError(CliError):
    code = Exit.AUTH


class ServerError(CliError):
    code = Exit.SERVER


class Conflict(CliError):
    code = Exit.RUN_FAILED


def exit_code_for_status(status: int) -> Exit:
    """The exit code of an HTTP error answer."""
    if status in (401, 403):
        return Exit.AUTH
    if status == 404:
        return Exit.NOT_FOUND
    if status == 409:
        return Exit.RUN_FAILED
    if 400 <= status < 500:
        return Exit.USAGE
    return Exit.SERVER


ERROR_FOR_EXIT: dict[Exit, type[CliError]] = {
    Exit.AUTH: AuthError,
    Exit.NOT_FOUND: NotFound,
    Exit.RUN_FAILED: Conflict,
    Exit.USAGE: UsageError,
    Exit.SERVER: ServerError,
}

TERMINAL_STATUSES = ("completed", "failed", "cancelled", "timed_out")


def exit_code_for_run(status: str) -> Exit:
    """The exit code of `--wait`/`--follow` once the run has ended."""
    return Exit.OK if status == "completed" else Exit.RUN_FAILED
