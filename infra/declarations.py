"""Facts about the deployment that the CDK constructs and the local stack (infra/local/) both build from.

Each fact is declared once here: the password policy, the app client's sign-in flows and token lifetimes, the
HTTP API's CORS settings, the log retention, and the event rule that routes status changes to the reconciler.
(Tables are declared in workflow_engine/platform/tables.py, functions and routes in infra/catalog.py.)
tests/integration/test_drift.py compares the synthesized template with what the local stack provisions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow_engine.platform import business_metrics

# Characters Cognito counts as symbols (a space counts too, when it is neither first nor last).
COGNITO_SYMBOLS = frozenset("^$*.[]{}()?-\"!@#%&/\\,><':;|_~`+=")


@dataclass(frozen=True)
class PasswordPolicy:
    """The user pool's password policy (Cognito's PasswordPolicy)."""

    min_length: int
    require_lowercase: bool
    require_uppercase: bool
    require_digits: bool
    require_symbols: bool
    temporary_password_validity_days: int

    def cognito(self) -> dict[str, Any]:
        """The policy as CreateUserPool's Policies.PasswordPolicy (and the template's) spell it."""
        return {
            "MinimumLength": self.min_length,
            "RequireLowercase": self.require_lowercase,
            "RequireUppercase": self.require_uppercase,
            "RequireNumbers": self.require_digits,
            "RequireSymbols": self.require_symbols,
            "TemporaryPasswordValidityDays": self.temporary_password_validity_days,
        }

    def violations(self, password: str) -> list[str]:
        """Why Cognito would refuse ``password`` under this policy (empty: it is accepted)."""
        inner = password[1:-1]
        checks = [
            (len(password) >= self.min_length, f"at least {self.min_length} characters"),
            (not self.require_lowercase or any(c.islower() for c in password), "a lowercase letter"),
            (not self.require_uppercase or any(c.isupper() for c in password), "an uppercase letter"),
            (not self.require_digits or any(c.isdigit() for c in password), "a digit"),
            (
                not self.require_symbols or any(c in COGNITO_SYMBOLS for c in password) or " " in inner,
                "a symbol",
            ),
        ]
        return [f"needs {requirement}" for passed, requirement in checks if not passed]


PASSWORD_POLICY = PasswordPolicy(
    min_length=12,
    require_lowercase=True,
    require_uppercase=True,
    require_digits=True,
    require_symbols=True,
    temporary_password_validity_days=3,
)

# The example password used by the README, the sign-in helper, the test suites and the local stack's banner.
EXAMPLE_PASSWORD = "Correct-Horse-42!"  # noqa: S105 (a documented example, not a secret)


@dataclass(frozen=True)
class UserPool:
    """How people sign up and in: self sign-up, case-insensitive usernames, optional TOTP MFA, recovery by e-mail."""

    self_sign_up: bool = True
    case_sensitive_usernames: bool = False
    mfa: str = "OPTIONAL"  # OFF | OPTIONAL | ON; the second factor is an authenticator app (TOTP) only
    recovery_by_verified_email: bool = True

    def account_recovery(self) -> dict[str, Any]:
        mechanisms = [{"Name": "verified_email", "Priority": 1}] if self.recovery_by_verified_email else []
        return {"RecoveryMechanisms": mechanisms}


USER_POOL = UserPool()


@dataclass(frozen=True)
class AppClient:
    """The user pool's app client: public (no secret), the sign-in flows it allows and its tokens' lifetimes.

    No OAuth flows: the API signs users in with the user pool's own flows; the pool has no hosted UI domain."""

    user_password_auth: bool = True
    user_srp_auth: bool = True
    access_token_validity_minutes: int = 60
    id_token_validity_minutes: int = 60
    refresh_token_validity_days: int = 30
    prevent_user_existence_errors: bool = True

    def explicit_auth_flows(self) -> list[str]:
        """ExplicitAuthFlows as Cognito lists them (refresh is always allowed)."""
        flows = ["ALLOW_USER_PASSWORD_AUTH"] if self.user_password_auth else []
        flows += ["ALLOW_USER_SRP_AUTH"] if self.user_srp_auth else []
        return [*flows, "ALLOW_REFRESH_TOKEN_AUTH"]

    def token_validity(self) -> dict[str, Any]:
        """The tokens' lifetimes as CreateUserPoolClient parameters (all in minutes, as CDK writes them)."""
        return {
            "AccessTokenValidity": self.access_token_validity_minutes,
            "IdTokenValidity": self.id_token_validity_minutes,
            "RefreshTokenValidity": self.refresh_token_validity_days * 24 * 60,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
        }


APP_CLIENT = AppClient()


@dataclass(frozen=True)
class Cors:
    """The HTTP API's CORS configuration ("*" methods: any)."""

    allow_origins: tuple[str, ...] = ("*",)
    allow_methods: tuple[str, ...] = ("*",)
    allow_headers: tuple[str, ...] = ("Authorization", "Content-Type", "Idempotency-Key")
    expose_headers: tuple[str, ...] = ("X-Next-Token",)
    max_age_seconds: int = 3600

    def configuration(self) -> dict[str, Any]:
        """The API's CorsConfiguration (CreateApi and the template spell it alike)."""
        return {
            "AllowOrigins": list(self.allow_origins),
            "AllowMethods": list(self.allow_methods),
            "AllowHeaders": list(self.allow_headers),
            "ExposeHeaders": list(self.expose_headers),
            "MaxAge": self.max_age_seconds,
        }


CORS = Cors()

LOG_RETENTION_DAYS = 30
# How long a dead-letter queue keeps what could not be delivered (SQS maximum: 14 days).
DEAD_LETTER_RETENTION_DAYS = 14
METRICS_NAMESPACE = (
    business_metrics.NAMESPACE
)  # the handlers emit into it (workflow_engine/platform/business_metrics.py)

# Step Functions execution statuses that end an execution; their status-change events go to the reconciler.
TERMINAL_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class EventRule:
    """An EventBridge rule on the default bus that sends matching events to one function (by catalog id).

    ``pattern`` builds the event pattern from the stack's state machine ARN prefix (the one stack-specific value).
    """

    id: str
    description: str
    target_function_id: str
    pattern: Callable[[str], dict[str, Any]]


def _terminal_status_changes(state_machine_arn_prefix: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "status": list(TERMINAL_STATUSES),
            "stateMachineArn": [{"prefix": state_machine_arn_prefix}],
        },
    }


STATUS_CHANGE_RULE = EventRule(
    id="StatusChangeRule",
    description="Terminal status changes of workflow executions -> reconciler",
    target_function_id="Reconciler",
    pattern=_terminal_status_changes,
)
EVENT_RULES: tuple[EventRule, ...] = (STATUS_CHANGE_RULE,)
