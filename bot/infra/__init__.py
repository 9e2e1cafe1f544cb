"""Deployment tooling: `python -m bot infra` creates the AWS resources one deployment needs."""
