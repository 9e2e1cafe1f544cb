"""The function's role, log group, the function itself and its public URL.

Like storage.py: read, compare, write only the difference.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import unquote

from bot.infra.outcome import Outcome, error_code, is_missing
from bot.infra.policies import PolicyDocument, lambda_trust_policy

POLICY_NAME = "runtime"
HANDLER_DESCRIPTION = "DocBot: Slack events, interactivity and /ask (bot.lambda_handler.handler)"
# A role IAM has just created is not yet visible to Lambda: CreateFunction says it "cannot be
# assumed" for some seconds. Retried this long.
ROLE_PROPAGATION_S = 90.0

# The Function URL is public (Slack cannot sign AWS requests); every Slack request is verified
# by its signing secret instead. Since October 2025 a URL needs both statements.
URL_PERMISSIONS = (
    {"StatementId": "FunctionUrlPublicAccess", "Action": "lambda:InvokeFunctionUrl", "FunctionUrlAuthType": "NONE"},
    {"StatementId": "FunctionUrlInvokeFunction", "Action": "lambda:InvokeFunction", "InvokedViaFunctionUrl": True},
)


def _document(value: Any) -> PolicyDocument:
    """IAM returns policy documents URL-encoded (real AWS) or already decoded (boto3 does it)."""
    if isinstance(value, dict):
        return value
    return json.loads(unquote(value))  # type: ignore[no-any-return]


def _same_policy(a: PolicyDocument, b: PolicyDocument) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --- IAM role ----------------------------------------------------------------------------------


def get_role(iam: Any, name: str) -> dict[str, Any] | None:
    try:
        return iam.get_role(RoleName=name)["Role"]  # type: ignore[no-any-return]
    except iam.exceptions.NoSuchEntityException:
        return None


def ensure_role(iam: Any, name: str, policy: PolicyDocument) -> Outcome:
    outcome = Outcome("iam_role", name)
    trust = lambda_trust_policy()
    role = get_role(iam, name)
    if role is None:
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description="DocBot's Lambda function: its logs, its files, invoking itself",
        )["Role"]
        outcome.created()
    elif not _same_policy(_document(role["AssumeRolePolicyDocument"]), trust):
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        outcome.changed("trust policy: Lambda only")
    try:
        current = _document(iam.get_role_policy(RoleName=name, PolicyName=POLICY_NAME)["PolicyDocument"])
    except iam.exceptions.NoSuchEntityException:
        current = None
    if current is None or not _same_policy(current, policy):
        iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
        if outcome.action != "created":
            outcome.changed("permissions")
    outcome.details["arn"] = role["Arn"]
    return outcome


def delete_role(iam: Any, name: str) -> Outcome:
    outcome = Outcome("iam_role", name)
    if get_role(iam, name) is None:
        return outcome.absent()
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)
    return outcome.deleted()


# --- CloudWatch log group ----------------------------------------------------------------------


def get_log_group(logs: Any, name: str) -> dict[str, Any] | None:
    for group in logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", []):
        if group["logGroupName"] == name:
            return group  # type: ignore[no-any-return]
    return None


def ensure_log_group(logs: Any, name: str, retention_days: int) -> Outcome:
    outcome = Outcome("log_group", name)
    group = get_log_group(logs, name)
    if group is None:
        logs.create_log_group(logGroupName=name)
        outcome.created()
    if (group or {}).get("retentionInDays") != retention_days:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
        if outcome.action != "created":
            outcome.changed(f"retention {retention_days} days")
    return outcome


def delete_log_group(logs: Any, name: str) -> Outcome:
    outcome = Outcome("log_group", name)
    if get_log_group(logs, name) is None:
        return outcome.absent()
    logs.delete_log_group(logGroupName=name)
    return outcome.deleted()


# --- the function ------------------------------------------------------------------------------


def get_function(lam: Any, name: str) -> dict[str, Any] | None:
    try:
        return lam.get_function(FunctionName=name)  # type: ignore[no-any-return]
    except lam.exceptions.ResourceNotFoundException:
        return None


def ensure_function(
    lam: Any,
    *,
    name: str,
    role_arn: str,
    image_uri: str,
    architecture: str,
    memory_mb: int,
    timeout_s: int,
    ephemeral_mb: int,
    environment: dict[str, str],
    log_group: str,
) -> Outcome:
    """Created from `image_uri`; an existing function keeps its image when none is given."""
    outcome = Outcome("lambda_function", name)
    wanted = {
        "Role": role_arn,
        "MemorySize": memory_mb,
        "Timeout": timeout_s,
        "EphemeralStorage": {"Size": ephemeral_mb},
        "Environment": {"Variables": environment},
        "Description": HANDLER_DESCRIPTION,
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": log_group},
    }
    found = get_function(lam, name)
    if found is None:
        if not image_uri:
            return outcome.skipped(
                "IMAGE_URI is not set: build and push the image (see the ecr_repository uri), then run "
                "`IMAGE_URI=<uri>:<tag> python -m bot infra up` to create the function"
            )
        _create_function(lam, name=name, image_uri=image_uri, architecture=architecture, wanted=wanted)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        outcome.created()
        outcome.details["image_uri"] = image_uri
        return outcome
    config = found["Configuration"]
    differs = _configuration_differences(config, wanted)
    if differs:
        lam.update_function_configuration(FunctionName=name, **wanted)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        for what in differs:
            outcome.changed(what)
    current_image = found.get("Code", {}).get("ImageUri", "")
    current_arch = (config.get("Architectures") or ["x86_64"])[0]
    if (image_uri and image_uri != current_image) or current_arch != architecture:
        lam.update_function_code(FunctionName=name, ImageUri=image_uri or current_image, Architectures=[architecture])
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        outcome.changed(f"image {image_uri or current_image} ({architecture})")
    outcome.details["image_uri"] = image_uri or current_image
    return outcome


def _create_function(lam: Any, *, name: str, image_uri: str, architecture: str, wanted: dict[str, Any]) -> None:
    deadline = time.monotonic() + ROLE_PROPAGATION_S
    while True:
        try:
            lam.create_function(
                FunctionName=name,
                PackageType="Image",
                Code={"ImageUri": image_uri},
                Architectures=[architecture],
                **wanted,
            )
            return
        except lam.exceptions.InvalidParameterValueException as exc:
            if "assumed" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(3)


def _configuration_differences(config: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Names of the settings that differ (values of environment variables are never printed)."""
    differs = []
    for key in ("Role", "MemorySize", "Timeout", "Description"):
        if config.get(key) != wanted[key]:
            differs.append(f"{key} {config.get(key)} → {wanted[key]}")
    if (config.get("EphemeralStorage") or {}).get("Size") != wanted["EphemeralStorage"]["Size"]:
        differs.append(f"ephemeral storage {wanted['EphemeralStorage']['Size']} MB")
    logging_config = config.get("LoggingConfig") or {}
    if logging_config.get("LogGroup", wanted["LoggingConfig"]["LogGroup"]) != wanted["LoggingConfig"]["LogGroup"]:
        differs.append("log group")
    current_env = (config.get("Environment") or {}).get("Variables") or {}
    wanted_env = wanted["Environment"]["Variables"]
    changed = sorted(k for k in set(current_env) | set(wanted_env) if current_env.get(k) != wanted_env.get(k))
    if changed:
        differs.append("environment: " + ", ".join(changed))
    return differs


def delete_function(lam: Any, name: str) -> Outcome:
    """Its URL and resource policy go with it."""
    outcome = Outcome("lambda_function", name)
    if get_function(lam, name) is None:
        return outcome.absent()
    lam.delete_function(FunctionName=name)
    return outcome.deleted()


# --- the Function URL --------------------------------------------------------------------------


def get_function_url(lam: Any, name: str) -> str | None:
    try:
        return lam.get_function_url_config(FunctionName=name)["FunctionUrl"]  # type: ignore[no-any-return]
    except lam.exceptions.ResourceNotFoundException:
        return None


def ensure_function_url(lam: Any, name: str) -> Outcome:
    outcome = Outcome("function_url", name)
    try:
        config = lam.get_function_url_config(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        config = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="BUFFERED")
        outcome.created()
    else:
        if config.get("AuthType") != "NONE":
            config = lam.update_function_url_config(FunctionName=name, AuthType="NONE")
            outcome.changed("public (requests are verified by Slack's signing secret)")
    present = _permission_ids(lam, name)
    for permission in URL_PERMISSIONS:
        if permission["StatementId"] not in present:
            lam.add_permission(FunctionName=name, Principal="*", **permission)
            if outcome.action != "created":
                outcome.changed(f"permission {permission['Action']}")
    outcome.details["url"] = config["FunctionUrl"]
    return outcome


def _permission_ids(lam: Any, name: str) -> set[str]:
    try:
        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    except Exception as exc:
        if is_missing(exc) or error_code(exc) == "ResourceNotFoundException":
            return set()
        raise
    return {statement.get("Sid", "") for statement in policy.get("Statement", [])}
