"""`wfe`: a command-line client of the workflow engine (see the README's "CLI" section).

Start-up is kept fast: this package imports only the standard library and click at module level; requests,
rich, websockets, yaml and boto3 are imported where a command first needs them.
"""
