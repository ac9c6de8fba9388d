"""The workflow file `wfe init` writes: a commented, valid starting point (the ready-made ones are in examples/)."""

from __future__ import annotations

SCAFFOLD = """\
# A workflow for the workflow engine, written by `wfe init`.
#
#   wfe validate {file}              (the server's own checks; nothing is saved)
#   wfe workflows create -f {file}   (save it; later: wfe workflows update "{name}" -f {file})
#   wfe run "{name}" --follow        (starts from input_example below, or give --input '{{...}}')
#
# Steps run in order; each sees {{"input": <the run's input>, "steps": {{"<step name>": {{"output": ...}}}}}}.
# Step types: transform (a JMESPath expression), http, ai, wait, approval, workflow; blocks: choice, parallel,
# map (they hold steps). Every step type has a ready-to-run file in examples/ of the repository.
name: {name}
description: What this workflow does, in a sentence

# What the web app's Run dialog starts from (any JSON object, at most 64 KiB).
input_example:
  message: hello

steps:
  - name: Build greeting
    type: transform
    config:
      expression: "{{text: join(' ', ['You said', input.message])}}"

  - name: Pause
    type: wait
    config:
      seconds: 1

  - name: Shout
    type: transform
    # A step may also set: retry (max_attempts, interval_seconds, backoff_rate), timeout_seconds, continue_on_error
    config:
      # A block scalar (>-) keeps YAML's own quoting out of the expression's quotes.
      expression: >-
        {{shout: join('', [steps."Build greeting".output.text, '!'])}}
"""


def scaffold(name: str, file: str) -> str:
    """The file's text, naming the workflow `name` and itself `file` in the commands it suggests."""
    return SCAFFOLD.format(name=name, file=file)
