"""Web: the execution monitor on AWS. A private S3 bucket behind CloudFront (origin access control), with
`/api/*` sent to the HTTP API so the page and the API share one origin, security headers on every answer,
and the assets deployed by CDK together with a `config.json` written from the stack's own values, the API's
`openapi.json` and `examples.json` (the repository's examples/, for the editor's "Start from")."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.catalog import REPO_ROOT
from infra.constructs.nag import acknowledge, flatten
from infra.constructs.observability import log_group
from infra.examples import examples_document

WEB_DIR = REPO_ROOT / "web"
# The API's OpenAPI document, shipped at /openapi.json (no token needed): the web app and the CLI read the step
# types and the execution statuses from it.
OPENAPI_FILE = REPO_ROOT / "openapi.json"
# What ships: index.html, app.css, src/ and vendor/ (the chart library `make web` copies from npm).
NOT_SHIPPED = ["node_modules", "node_modules/**", "package.json", "package-lock.json"]


def content_security_policy(connect_sources: Sequence[str]) -> str:
    """The app's policy: its own files only; it talks to its origin, Cognito and the WebSocket API."""
    connect = " ".join(["'self'", *connect_sources])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


class Web(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_url: str,
        user_pool_id: str,
        user_pool_client_id: str,
        websocket_url: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        cognito_endpoint = f"https://cognito-idp.{stack.region}.{stack.url_suffix}"

        self.bucket = s3.Bucket(
            self,
            "Assets",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Workflow engine web app: CSP, HSTS, nosniff, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(
                        [cognito_endpoint, *([websocket_url] if websocket_url else [])]
                    ),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
        )
        api_domain = Fn.select(2, Fn.split("/", api_url))  # https://<id>.execute-api.<region>.amazonaws.com
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Workflow engine: web app and /api/* on one origin",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(api_domain, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    # Never cached; every viewer header but Host (API Gateway routes by its own host) reaches
                    # the API, Authorization included.
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=headers,
                ),
            },
        )
        self.url = f"https://{self.distribution.distribution_domain_name}"
        config = {
            "ApiUrl": self.url,
            "Region": stack.region,
            "UserPoolId": user_pool_id,
            "UserPoolClientId": user_pool_client_id,
            "CognitoEndpoint": f"{cognito_endpoint}/",
            **({"WebSocketUrl": websocket_url} if websocket_url else {}),
        }
        # CDK's deployment function, with our own role: its log group, the asset and web buckets, nothing else.
        self.deploy_logs = log_group(self, "DeployLogs")
        self.deploy_role = iam.Role(
            self,
            "DeployRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="CDK BucketDeployment of the web app: copy the assets, invalidate the distribution",
        )
        self.deploy_logs.grant_write(self.deploy_role)
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Deploy",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(WEB_DIR), exclude=NOT_SHIPPED),
                s3deploy.Source.json_data("config.json", config),
                s3deploy.Source.data("openapi.json", OPENAPI_FILE.read_text()),
                s3deploy.Source.json_data("examples.json", examples_document()),
            ],
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            role=self.deploy_role,
            log_group=self.deploy_logs,
        )
        self._acknowledge()

    def _acknowledge(self) -> None:
        stack = Stack.of(self)
        asset_bucket = "cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>"  # the bootstrap's default asset bucket
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "The bucket holds the app's static, public-by-design files, readable only by CloudFront (origin access "
            "control); nothing in it is user data. API requests are logged by the HTTP API's access logs.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "The monitor is for the stack's own users everywhere; access is controlled by Cognito sign-in, not "
            "geography.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "No WAF web ACL: the static assets are public by design and /api/* is throttled by the HTTP API stage "
            "and guarded by its JWT authorizer; a WAF can be attached per deployment where it is required.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR3",
            "Standard logs need an ACL-enabled log bucket; every API request is already in the HTTP API's access "
            "logs, and the distribution serves only static files besides.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the "
            "minimum protocol; TLSv1.2_2021 applies as soon as a custom domain and certificate are attached.",
        )
        # The BucketDeployment's provider function and role are CDK's own (one per stack, singleton).
        provider = next(
            child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")
        )
        acknowledge(
            provider,
            "AwsSolutions-L1",
            "CDK's BucketDeployment provider pins its own Lambda runtime (with the AWS CLI layer); it runs only "
            "during a deployment.",
        )
        acknowledge(
            self.deploy_role,
            "AwsSolutions-IAM5",
            "CDK's BucketDeployment provider copies assets from the CDK asset bucket into the web bucket "
            "(objects under both buckets, granted by CDK) and invalidates the distribution (CloudFront "
            "invalidation has no resource-level permission).",
            findings=[
                *(f"Action::s3:{verb}" for verb in ("GetBucket*", "GetObject*", "List*", "Abort*", "DeleteObject*")),
                f"Resource::arn:<AWS::Partition>:s3:::{asset_bucket}/*",
                f"Resource::{flatten(stack.resolve(self.bucket.bucket_arn))}/*",
                "Resource::*",
            ],
        )
