"""`infra up | status | down`: everything one deployment needs, in dependency order.

up:   ECR repository → S3 bucket → log group → IAM role → function (from IMAGE_URI) → Function URL
down: the same in reverse; the bucket's files only with `delete_data`.
Credentials, and endpoints such as AWS_ENDPOINT_URL, come from boto3's usual chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.infra import function as fn
from bot.infra import storage
from bot.infra.config import InfraConfig, InfraConfigError, function_environment, lambda_problems
from bot.infra.outcome import Outcome
from bot.infra.policies import function_policy

SLACK_PATH = "slack/events"


@dataclass(frozen=True)
class Clients:
    sts: Any
    ecr: Any
    s3: Any
    iam: Any
    logs: Any
    lam: Any

    @classmethod
    def connect(cls, region: str) -> Clients:
        import boto3

        session = boto3.session.Session(region_name=region)
        return cls(*(session.client(service) for service in ("sts", "ecr", "s3", "iam", "logs", "lambda")))


def _identity(clients: Clients) -> tuple[str, str]:
    """(account id, partition) of the credentials in use."""
    arn = clients.sts.get_caller_identity()["Arn"]
    return arn.split(":")[4], arn.split(":")[1]


def up(config: InfraConfig, clients: Clients) -> dict[str, Any]:
    account, partition = _identity(clients)
    bucket = config.bucket_for(account)
    problems = lambda_problems(config, bucket)
    if problems:
        raise InfraConfigError("the function would refuse to start: " + "; ".join(problems))
    outcomes = [storage.ensure_repository(clients.ecr, config.repository_name)]
    outcomes.append(storage.ensure_bucket(clients.s3, bucket, config.region))
    outcomes.append(fn.ensure_log_group(clients.logs, config.log_group, config.log_retention_days))
    policy = function_policy(
        partition=partition,
        region=config.region,
        account=account,
        function=config.function_name,
        log_group=config.log_group,
        bucket=bucket,
        prefix=config.prefix,
    )
    role = fn.ensure_role(clients.iam, config.role_name, policy)
    outcomes.append(role)
    function = fn.ensure_function(
        clients.lam,
        name=config.function_name,
        role_arn=role.details["arn"],
        image_uri=config.image_uri,
        architecture=config.architecture,
        memory_mb=config.memory_mb,
        timeout_s=config.timeout_s,
        ephemeral_mb=config.ephemeral_mb,
        environment=function_environment(config, bucket),
        log_group=config.log_group,
    )
    outcomes.append(function)
    if function.action != "skipped":
        outcomes.append(fn.ensure_function_url(clients.lam, config.function_name))
    else:
        outcomes.append(Outcome("function_url", config.function_name).skipped("waits for the function"))
    return _report(config, account, outcomes)


def status(config: InfraConfig, clients: Clients) -> dict[str, Any]:
    """What exists now, read-only."""
    account, _ = _identity(clients)
    bucket = config.bucket_for(account)
    repository = storage.describe_repository(clients.ecr, config.repository_name)
    function = fn.get_function(clients.lam, config.function_name)
    url = fn.get_function_url(clients.lam, config.function_name) if function else None
    bucket_exists = storage.bucket_exists(clients.s3, bucket)

    def item(kind: str, name: str, exists: bool, **details: Any) -> Outcome:
        outcome = Outcome(kind, name, "exists" if exists else "absent")
        outcome.details.update({k: v for k, v in details.items() if v is not None} if exists else {})
        return outcome

    configuration = (function or {}).get("Configuration", {})
    outcomes = [
        item(
            "ecr_repository",
            config.repository_name,
            repository is not None,
            uri=(repository or {}).get("repositoryUri"),
        ),
        item(
            "s3_bucket",
            bucket,
            bucket_exists,
            objects=storage.count_versions(clients.s3, bucket) if bucket_exists else None,
        ),
        item("log_group", config.log_group, fn.get_log_group(clients.logs, config.log_group) is not None),
        item("iam_role", config.role_name, fn.get_role(clients.iam, config.role_name) is not None),
        item(
            "lambda_function",
            config.function_name,
            function is not None,
            image_uri=(function or {}).get("Code", {}).get("ImageUri"),
            state=configuration.get("State"),
            last_update=configuration.get("LastUpdateStatus"),
        ),
        item("function_url", config.function_name, url is not None, url=url),
    ]
    return _report(config, account, outcomes)


def down(config: InfraConfig, clients: Clients, *, delete_data: bool = False) -> dict[str, Any]:
    account, _ = _identity(clients)
    outcomes = [
        fn.delete_function(clients.lam, config.function_name),
        fn.delete_role(clients.iam, config.role_name),
        fn.delete_log_group(clients.logs, config.log_group),
        storage.delete_bucket(clients.s3, config.bucket_for(account), delete_data=delete_data),
        storage.delete_repository(clients.ecr, config.repository_name),
    ]
    return _report(config, account, outcomes)


def _report(config: InfraConfig, account: str, outcomes: list[Outcome]) -> dict[str, Any]:
    report: dict[str, Any] = {
        "region": config.region,
        "account": account,
        "resources": [outcome.to_dict() for outcome in outcomes],
        "changed": any(o.action not in ("unchanged", "exists", "absent", "skipped", "kept") for o in outcomes),
    }
    url = next((o.details.get("url") for o in outcomes if o.kind == "function_url" and o.details.get("url")), None)
    if url:
        base = url if url.endswith("/") else url + "/"
        report["function_url"] = base
        # Paste into the Slack app: Event Subscriptions, Interactivity, and the /ask command.
        report["slack_request_url"] = base + SLACK_PATH
        report["healthz_url"] = base + "healthz"
    return report
