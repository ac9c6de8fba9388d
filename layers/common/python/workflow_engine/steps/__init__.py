"""Pure step logic: what each Lambda-backed step type does with its config and the workflow context.

Nothing here knows about Lambda events, DynamoDB or Step Functions; the step handlers call these
functions and record the result. Context shape: `{"input": ..., "steps": {"<name>": {"output": ...}}}`.
"""
