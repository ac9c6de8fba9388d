"""Authentication: the Cognito user pool people sign up to and the app client that signs them in.

The password policy and the client's flows and token lifetimes are declared in infra/declarations.py (the local
stack creates its pool from the same declarations).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.declarations import APP_CLIENT, PASSWORD_POLICY, USER_POOL


class Auth(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=USER_POOL.self_sign_up,
            sign_in_aliases=cognito.SignInAliases(username=True),
            sign_in_case_sensitive=USER_POOL.case_sensitive_usernames,
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_POLICY.min_length,
                require_lowercase=PASSWORD_POLICY.require_lowercase,
                require_uppercase=PASSWORD_POLICY.require_uppercase,
                require_digits=PASSWORD_POLICY.require_digits,
                require_symbols=PASSWORD_POLICY.require_symbols,
                temp_password_validity=Duration.days(PASSWORD_POLICY.temporary_password_validity_days),
            ),
            # Users may enrol an authenticator app; it is not forced on them (see the acknowledgment below).
            mfa=cognito.Mfa[{"ON": "REQUIRED"}.get(USER_POOL.mfa, USER_POOL.mfa)],
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY
            if USER_POOL.recovery_by_verified_email
            else cognito.AccountRecovery.NONE,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "ApiClient",
            auth_flows=cognito.AuthFlow(user_password=APP_CLIENT.user_password_auth, user_srp=APP_CLIENT.user_srp_auth),
            access_token_validity=Duration.minutes(APP_CLIENT.access_token_validity_minutes),
            id_token_validity=Duration.minutes(APP_CLIENT.id_token_validity_minutes),
            refresh_token_validity=Duration.days(APP_CLIENT.refresh_token_validity_days),
            disable_o_auth=True,
            generate_secret=False,
            prevent_user_existence_errors=APP_CLIENT.prevent_user_existence_errors,
        )

        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP): the public API contract signs users in with USER_PASSWORD_AUTH and a "
            "username/password only; users who want a second factor can enrol an authenticator app.",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "The Essentials feature plan is deliberate: Plus-tier threat protection is priced per monthly active "
            "user and not required for this workload; the strong password policy and optional TOTP MFA apply.",
        )
