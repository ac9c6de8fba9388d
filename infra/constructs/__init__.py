"""CDK constructs, one per concern, wired together by infra.stack."""
