"""Operations on AWS: alarms on what breaks, to one SNS topic, and a dashboard of the golden signals."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from infra.catalog import FUNCTIONS
from infra.constructs.observability import ALARM_EMAIL_CONTEXT, Observability, dead_letter_queues_of
from workflow_engine.platform import business_metrics

if TYPE_CHECKING:
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")


def alarms(synth: Synthesized) -> list[dict]:
    return [resource["Properties"] for resource in synth.of_type("AWS::CloudWatch::Alarm").values()]


def alarms_on(synth: Synthesized, metric_name: str, dimension: str | None = None, value=None) -> list[dict]:
    found = []
    for alarm in alarms(synth):
        metrics = (
            [alarm]
            if "MetricName" in alarm
            else [m.get("MetricStat", {}).get("Metric", {}) for m in alarm.get("Metrics", [])]
        )
        for metric in metrics:
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if metric.get("MetricName") == metric_name and (dimension is None or dimensions.get(dimension) == value):
                found.append(alarm)
    return found


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.id)
def test_each_function_alarms_on_errors_and_throttles(synth: Synthesized, spec) -> None:
    function = synth.ref(synth.stack.functions.functions[spec.id])
    assert len(alarms_on(synth, "Errors", "FunctionName", function)) == 1
    assert len(alarms_on(synth, "Throttles", "FunctionName", function)) == 1


def test_each_dead_letter_queue_alarms_on_visible_messages(synth: Synthesized) -> None:
    queues = dead_letter_queues_of(synth.stack)
    assert synth.stack.orchestration.dead_letter_queue in queues.values()
    for queue in queues.values():
        name = synth.get_att(queue, "QueueName")
        assert len(alarms_on(synth, "ApproximateNumberOfMessagesVisible", "QueueName", name)) == 1, queue.node.path


def test_api_5xx_rate_and_p99_latency_alarms(synth: Synthesized) -> None:
    api = synth.ref(synth.stack.api.http_api)
    [rate] = alarms_on(synth, "5xx", "ApiId", api)
    assert any("100 * errors / requests" in m.get("Expression", "") for m in rate["Metrics"])
    [latency] = alarms_on(synth, "Latency", "ApiId", api)
    assert latency["ExtendedStatistic"] == "p99"


def test_each_table_alarms_on_throttled_requests(synth: Synthesized) -> None:
    for table in synth.stack.data.tables.values():
        assert len(alarms_on(synth, "WriteThrottleEvents", "TableName", synth.ref(table))) == 1


def test_engine_failure_rate_alarm_reads_the_business_metrics(synth: Synthesized) -> None:
    [alarm] = alarms_on(synth, "ExecutionsFailed", "service", business_metrics.SERVICE)
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert names == set(business_metrics.EXECUTIONS_FINISHED.values())


def test_every_alarm_notifies_the_topic(synth: Synthesized) -> None:
    topic = synth.ref(synth.stack.observability.topic)
    for alarm in alarms(synth):
        assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_dashboard_shows_business_and_service_metrics(synth: Synthesized) -> None:
    [dashboard] = synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(synth.resolve(dashboard["Properties"]["DashboardBody"]))
    for name in (
        business_metrics.EXECUTIONS_STARTED,
        *business_metrics.EXECUTIONS_FINISHED.values(),
        business_metrics.STEP_ATTEMPTS,
        business_metrics.STEP_FAILURES,
        "5xx",
        "Latency",
        "ApproximateNumberOfMessagesVisible",
    ):
        assert name in body, name


def _small_stack(context: dict) -> Template:
    app = App(context=context)
    stack = Stack(app, "Ops")
    function = lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="h.h", code=lambda_.Code.from_inline("x=1")
    )
    table = dynamodb.Table(stack, "T", partition_key=dynamodb.Attribute(name="k", type=dynamodb.AttributeType.STRING))
    Observability(
        stack,
        "Observability",
        functions={"Fn": function},
        dead_letter_queues={"SomeDlq": sqs.Queue(stack, "SomeDlq")},
        http_api=apigw.HttpApi(stack, "Api"),
        tables={"T": table},
    )
    return Template.from_stack(stack)


def test_an_email_subscription_is_added_only_when_asked() -> None:
    _small_stack({}).resource_count_is("AWS::SNS::Subscription", 0)
    template = _small_stack({ALARM_EMAIL_CONTEXT: "ops@example.com"})
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    template.has_resource_properties("AWS::SNS::Topic", {"DisplayName": Match.string_like_regexp("alarms")})
