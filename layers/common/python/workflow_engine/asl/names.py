"""The names a compiled machine is built from: engine states (they start with "$", step names may not),
the service integrations it calls and the error names its Retry/Catch match."""

from __future__ import annotations

# Raised with each change to the compiled machine's contract with the API; a workflow stores the revision its
# machine was compiled with. 2: the "$resume" Choice (resume needs it). 3: a step's config travels as JSON text
# (`config_json`), never as keys Step Functions could evaluate; a workflow of an older revision is recompiled
# before its next start (WorkflowService.recompile). 4: a workflow step's child item records its trigger
# (`trigger_type` workflow, models.run_trigger).
ASL_REVISION = 4
RESUMABLE_REVISION = 2

MARK_RUNNING = "$mark running"
RECORD_SUCCESS = "$record success"
RECORD_FAILURE = "$record failure"
RECORD_TIMEOUT = "$record timeout"
FAILED = "$failed"
RESUME = "$resume"
RESUME_MARKER = "resume"  # the input document's key: {"at": "<top-level step key>"}
CONTINUED_PREFIX = "$continued "  # "$continued s3_b0_s1": an inner step continuing past an error (asl.task)
CHOSEN_PREFIX = "$chosen "  # "$chosen s3 b1": a choice's branch rejoins there (asl.blocks)
CHOOSE_PREFIX = "$choose "  # "$choose s3": the Choice of a choice step wrapped to retry or catch as a whole
ITEMS_PREFIX = "$items "  # "$items s3": a map's guard on its items, then "$items s3 too many" / "... not a list"
CHILD_PREFIX = "$child "  # "$child run s3": the states of a workflow step's child execution (asl.child)
END_PREFIX = "$end "  # "$end s3_b1": the Succeed state ending list 1 of step s3 when run as a sub-machine

DYNAMODB_UPDATE = "arn:aws:states:::dynamodb:updateItem"
DYNAMODB_GET = "arn:aws:states:::dynamodb:getItem"
DYNAMODB_PUT = "arn:aws:states:::dynamodb:putItem"
SFN_START_SYNC = "arn:aws:states:::states:startExecution.sync:2"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"  # an approval step (asl.approval)
TASK_TOKEN_KEY = "task_token.$"  # noqa: S105 (a payload key: the approval Lambda gets the Task's token there)

# Transient errors of the Lambda service itself (the function never ran): always retried, never logged.
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"


def result_path(key: str) -> str:
    """Where a step's result goes in the state document (keys are JSONPath-safe: see step_tree)."""
    return f"$.results.{key}"


# Every key ending in ".$" a compiled machine may hold: Step Functions evaluates such a key's value as a path
# or an intrinsic function, so only the engine writes them (user data travels as JSON text: see asl.task).
# A kind that needs another one of its own adds it here.
ENGINE_PATH_KEYS = {
    "execution_id.$",
    "retry_count.$",
    "document.$",
    "iteration.$",  # a step inside a map iteration: its index (asl.task.step_payload)
    "output.$",
    "S.$",
    # a map iteration's document (asl.blocks)
    "input.$",
    "results.$",
    "item.$",
    "index.$",
    # a map's refusal of too many items: the error's Cause, counting them (asl.map_guard)
    "Cause.$",
    TASK_TOKEN_KEY,  # an approval step's token (asl.approval)
    # a workflow step's child execution (asl.child): its item, start and depth
    "N.$",
    "StateMachineArn.$",
    "Name.$",
    "depth.$",
    "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$",  # a child's link to its parent in the console (asl.child)
    "result.$",  # the execution's result document, at the end of every machine (asl.engine_states.record_success)
}
