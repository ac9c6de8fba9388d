"""Pieces of the workflow -> Amazon States Language compiler (workflow_engine.asl.compiler assembles them).

- names: the engine's own state names and the service integrations the machine uses.
- kinds: the interface every step kind's compiler implements (`StepKind`), the context it is given.
- task, wait: the kinds of today's steps (a Lambda Task for transform/http/ai, a native Wait).
- approval: an approval step's Task, waiting on a task token (its Lambda stores the token).
- registry: which kind compiles which step type (`register_kind` adds one).
- machine: step lists -> chained states or a sub-machine, and the reachability pass.
- engine_states: the DynamoDB status writes and the `$resume` Choice around the user's steps.
"""
