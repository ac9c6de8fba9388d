"""The web app on AWS: a private bucket behind CloudFront (origin access control), /api/* to the HTTP API on the
same origin, security headers, assets and config.json deployed by CDK, and the AppUrl output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aws_cdk.assertions import Match

from infra.catalog import REPO_ROOT
from infra.examples import examples_document

if TYPE_CHECKING:
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def _distribution(synth: Synthesized) -> dict:
    (distribution,) = synth.of_type("AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


def test_the_bucket_is_private_and_read_by_cloudfront_only(synth: Synthesized) -> None:
    bucket = synth.resource(synth.stack.web.bucket)["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket
    (oac,) = synth.of_type("AWS::CloudFront::OriginAccessControl").values()
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == synth.ref(synth.stack.web.bucket)
    ]
    readers = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in readers] == [{"Service": "cloudfront.amazonaws.com"}]
    assert readers[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in json.dumps(readers[0]["Condition"])  # only this distribution


def test_api_paths_go_to_the_http_api_on_the_same_origin_uncached(synth: Synthesized) -> None:
    config = _distribution(synth)
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    (api,) = config["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*"
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER  # Authorization reaches the API
    assert set(api["AllowedMethods"]) >= {"GET", "POST", "PUT", "DELETE", "OPTIONS"}
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    endpoint = synth.get_att(synth.stack.api.http_api, "ApiEndpoint")
    assert origin["DomainName"] == {"Fn::Select": [2, {"Fn::Split": ["/", endpoint]}]}


def test_security_headers_on_every_answer(synth: Synthesized) -> None:
    (policy,) = synth.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    policy_ref = synth.ref(synth.stack.web.node.find_child("SecurityHeaders"))
    config = _distribution(synth)
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == policy_ref
    assert config["CacheBehaviors"][0]["ResponseHeadersPolicyId"] == policy_ref


def test_assets_and_config_json_are_deployed_from_the_stacks_values(synth: Synthesized) -> None:
    synth.template.has_resource_properties(
        "Custom::CDKBucketDeployment",
        {
            "DestinationBucketName": synth.ref(synth.stack.web.bucket),
            "SourceMarkers": Match.any_value(),
            "DistributionPaths": ["/*"],
        },
    )
    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    markers = json.dumps(deployment["Properties"]["SourceMarkers"])
    # config.json carries the pool, its client and the region, resolved at deploy time: nothing secret.
    assert synth.logical_id(synth.stack.auth.user_pool) in markers
    assert synth.logical_id(synth.stack.auth.client) in markers
    assert "Secret" not in markers


def test_the_deployment_role_is_ours_and_scoped(synth: Synthesized) -> None:
    permissions = synth.permissions(synth.stack.web.deploy_role)
    assert "ManagedPolicyArns" not in synth.resource(synth.stack.web.deploy_role)["Properties"]
    assert synth.get_att(synth.stack.web.deploy_logs) in permissions["logs:PutLogEvents"]
    assert {"s3:PutObject", "s3:DeleteObject*"} <= set(permissions)


def test_app_url_output(synth: Synthesized) -> None:
    outputs = synth.template_json["Outputs"]
    assert outputs["AppUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", synth.get_att(synth.stack.web.distribution, "DomainName")]]
    }


def shipped_file(synth: Synthesized, name: str) -> Path:
    """The one file called `name` at the root of the web deployment's source assets."""
    (deployment,) = synth.of_type("Custom::CDKBucketDeployment").values()
    outdir = Path(synth.template_path).parent
    shipped = [
        outdir / f"asset.{key.removesuffix('.zip')}" / name for key in deployment["Properties"]["SourceObjectKeys"]
    ]
    (file,) = [path for path in shipped if path.is_file()]
    return file


def test_the_openapi_document_is_deployed_at_the_root(synth: Synthesized) -> None:
    """The clients read the step types and statuses from /openapi.json, without a token: it ships with the app."""
    assert shipped_file(synth, "openapi.json").read_text() == (REPO_ROOT / "openapi.json").read_text()


def test_the_examples_are_deployed_at_the_root(synth: Synthesized) -> None:
    """The editor's "Start from an example" reads /examples.json on AWS as it does locally (infra/examples.py)."""
    assert json.loads(shipped_file(synth, "examples.json").read_text()) == examples_document()
