"""Infrastructure: the CDK stack (constructs per concern) and the embedded local stack."""
