"""Observability: log groups with a retention (for every construct), and the operations side of the stack:
alarms, their SNS topic and the dashboard."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.nag import acknowledge
from infra.declarations import METRICS_NAMESPACE
from workflow_engine.models.step_types import STEP_TYPES
from workflow_engine.platform import business_metrics

# declarations.LOG_RETENTION_DAYS (30; CDK names the retention, it takes no number); the drift test compares
# the retention of the log groups both stacks create with the template's.
LOG_RETENTION = logs.RetentionDays.ONE_MONTH


def log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A log group with a CloudFormation-generated name and the standard retention."""
    return logs.LogGroup(scope, construct_id, retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN)


# -- operations: alarms to a topic, and a dashboard of the engine's golden signals -----------------------------

ALARM_EMAIL_CONTEXT = "alarmEmail"  # `cdk deploy -c alarmEmail=ops@example.com` subscribes an address
FIVE_MINUTES = Duration.minutes(5)
API_5XX_RATE_PERCENT = 1
API_P99_LATENCY_MS = 2_000
ENGINE_FAILURE_RATE_PERCENT = 10
ENGINE_FAILURE_MIN_FINISHED = 5  # below this many finished executions in 15 minutes the rate is not judged


def dead_letter_queues_of(scope: Construct) -> dict[str, sqs.Queue]:
    """Every queue under ``scope`` whose construct id ends in "Dlq" (the naming rule for dead-letter queues)."""
    return {
        queue.node.id: queue
        for queue in scope.node.find_all()
        if isinstance(queue, sqs.Queue) and queue.node.id.endswith("Dlq")
    }


def engine_metric(name: str, **dimensions: str) -> cloudwatch.Metric:
    """A business metric the functions emit (workflow_engine.platform.business_metrics), summed over 5 minutes."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": business_metrics.SERVICE, **dimensions},
        statistic="Sum",
        period=FIVE_MINUTES,
    )


class Observability(Construct):
    """CloudWatch alarms on what breaks a serverless engine, an SNS topic they notify, and one dashboard.

    Alarms: each function's errors and throttles, each dead-letter queue's visible messages, the HTTP API's 5xx
    rate and p99 latency, each table's throttled requests, and the engine's own failure rate (failed + timed out
    over finished executions). ``-c alarmEmail=...`` adds an e-mail subscription to the topic.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        http_api: apigw.IHttpApi,
        tables: Mapping[str, dynamodb.ITable],
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "AlarmTopic", display_name="Workflow engine alarms", enforce_ssl=True)
        acknowledge(
            self.topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry alarm names and states only, no user data; SSE would need a customer-managed "
            "key that CloudWatch is granted to use, for no confidentiality gain.",
        )
        email = self.node.try_get_context(ALARM_EMAIL_CONTEXT)
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarms: list[cloudwatch.Alarm] = []

        for name, function in functions.items():
            self._alarm(f"{name}Errors", function.metric_errors(period=FIVE_MINUTES), 1, f"{name} raised errors")
            self._alarm(f"{name}Throttles", function.metric_throttles(period=FIVE_MINUTES), 1, f"{name} was throttled")
        for name, queue in dead_letter_queues.items():
            visible = queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")
            self._alarm(f"{name}Messages", visible, 1, f"{name} holds messages that could not be delivered")

        requests = http_api.metric_count(period=FIVE_MINUTES)
        server_errors = http_api.metric_server_error(period=FIVE_MINUTES)
        error_rate = cloudwatch.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)",
            using_metrics={"requests": requests, "errors": server_errors},
            label="5xx rate (%)",
            period=FIVE_MINUTES,
        )
        self._alarm(
            "Api5xxRate", error_rate, API_5XX_RATE_PERCENT, f"More than {API_5XX_RATE_PERCENT}% of requests got a 5xx"
        )
        latency = http_api.metric_latency(period=FIVE_MINUTES, statistic="p99")
        self._alarm(
            "ApiP99Latency", latency, API_P99_LATENCY_MS, f"p99 latency above {API_P99_LATENCY_MS} ms", periods=3
        )

        for name, table in tables.items():
            throttled = cloudwatch.MathExpression(
                expression="reads + writes",
                using_metrics={
                    "reads": table.metric("ReadThrottleEvents", period=FIVE_MINUTES, statistic="Sum"),
                    "writes": table.metric("WriteThrottleEvents", period=FIVE_MINUTES, statistic="Sum"),
                },
                label=f"{name} throttled requests",
                period=FIVE_MINUTES,
            )
            self._alarm(f"{name}Throttled", throttled, 1, f"DynamoDB throttled requests on {name}")

        finished = {status: engine_metric(metric) for status, metric in business_metrics.EXECUTIONS_FINISHED.items()}
        failure_rate = cloudwatch.MathExpression(
            expression=(
                f"IF(completed + failed + cancelled + timed_out >= {ENGINE_FAILURE_MIN_FINISHED}, "
                "100 * (failed + timed_out) / (completed + failed + cancelled + timed_out), 0)"
            ),
            using_metrics=finished,
            label="Engine failure rate (%)",
            period=Duration.minutes(15),
        )
        self._alarm(
            "EngineFailureRate",
            failure_rate,
            ENGINE_FAILURE_RATE_PERCENT,
            f"More than {ENGINE_FAILURE_RATE_PERCENT}% of finished executions failed or timed out",
        )
        self.dashboard = self._dashboard(functions, dead_letter_queues, http_api, tables, finished, failure_rate)

    def _alarm(
        self, alarm_id: str, metric: cloudwatch.IMetric, threshold: float, description: str, periods: int = 1
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            f"{alarm_id}Alarm",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def _dashboard(
        self,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        http_api: apigw.IHttpApi,
        tables: Mapping[str, dynamodb.ITable],
        finished: Mapping[str, cloudwatch.IMetric],
        failure_rate: cloudwatch.IMetric,
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        step_types = [t.name for t in STEP_TYPES.lambda_types()]  # the step functions count their attempts
        dashboard.add_widgets(
            cloudwatch.TextWidget(markdown="# Workflow engine: golden signals", width=24, height=1),
            cloudwatch.GraphWidget(
                title="Executions",
                left=[engine_metric(business_metrics.EXECUTIONS_STARTED), *finished.values()],
                width=12,
            ),
            cloudwatch.GraphWidget(title="Engine failure rate (%)", left=[failure_rate], width=12),
            cloudwatch.GraphWidget(
                title="Step attempts and failures by type",
                left=[engine_metric(business_metrics.STEP_ATTEMPTS, step_type=t) for t in step_types],
                right=[engine_metric(business_metrics.STEP_FAILURES, step_type=t) for t in step_types],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API traffic and errors",
                left=[http_api.metric_count(period=FIVE_MINUTES)],
                right=[
                    http_api.metric_server_error(period=FIVE_MINUTES),
                    http_api.metric_client_error(period=FIVE_MINUTES),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[http_api.metric_latency(period=FIVE_MINUTES, statistic=s) for s in ("p50", "p90", "p99")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Lambda errors",
                left=[function.metric_errors(period=FIVE_MINUTES, label=name) for name, function in functions.items()],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Lambda duration p99 (ms)",
                left=[
                    function.metric_duration(period=FIVE_MINUTES, statistic="p99", label=name)
                    for name, function in functions.items()
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Lambda throttles",
                left=[
                    function.metric_throttles(period=FIVE_MINUTES, label=name) for name, function in functions.items()
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues (visible messages)",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, label=name)
                    for name, queue in dead_letter_queues.items()
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="DynamoDB consumed capacity",
                left=[
                    table.metric_consumed_write_capacity_units(period=FIVE_MINUTES, label=f"{name} writes")
                    for name, table in tables.items()
                ],
                right=[
                    table.metric_consumed_read_capacity_units(period=FIVE_MINUTES, label=f"{name} reads")
                    for name, table in tables.items()
                ],
                width=12,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )
        return dashboard
