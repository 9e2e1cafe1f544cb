"""`python -m bot infra up | status | down` against moto in server mode (real HTTP, every AWS API used).

The first `up` creates everything with the settings asked for, a second changes nothing, a changed
setting updates only what it touches, and `down` leaves nothing behind (files only when asked).
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from bot.cli import main

REGION = "us-east-1"
# Whole deployments against moto: seconds each.
pytestmark = pytest.mark.slow


@pytest.fixture
def deploy_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The variables a deployer sets: AWS (pointed at moto), the image, the bot's production settings."""
    name = f"docbot-{uuid.uuid4().hex[:8]}"  # the moto server is shared by the session's tests
    env = {
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "DOCBOT_NAME": name,
        "IMAGE_URI": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{name}:abc123",
        "SLACK_BOT_TOKEN": "xoxb-deploy-secret",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "REDIS_URL": "rediss://default:pw@cache.example:6379/0",
        "VECTOR_STORE": "pinecone",
        "PINECONE_API_KEY": "pc-key",
        "PINECONE_INDEX_HOST": "https://idx.svc.pinecone.io",
        "DATA_DIR": "/home/me/.data",  # a developer's local value: the image decides instead
    }
    for key in ("S3_BUCKET", "S3_PREFIX", "OBJECT_STORE", "S3_ENDPOINT_URL", "LAMBDA_MEMORY_MB", "OPENAI_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def infra(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(["infra", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def actions(report: dict) -> dict[str, str]:
    return {r["kind"]: r["action"] for r in report["resources"]}


def client(service: str, endpoint: str):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def test_up_twice_then_down_leaves_nothing(deploy_env: dict[str, str], s3_endpoint: str, capsys) -> None:
    name = deploy_env["DOCBOT_NAME"]
    code, report, err = infra(capsys, "up")
    assert code == 0, err
    assert set(actions(report).values()) == {"created"} and len(report["resources"]) == 6
    bucket = f"{name}-123456789012-{REGION}"
    assert report["slack_request_url"] == report["function_url"] + "slack/events"

    ecr, s3, iam, lam, logs = (client(s, s3_endpoint) for s in ("ecr", "s3", "iam", "lambda", "logs"))
    repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30 and rule["Status"] == "Enabled"
    assert logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"][0]["retentionInDays"] == 30

    # Least privilege: every statement names its own resource, none is "*".
    role = iam.get_role(RoleName=f"{name}-lambda")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = iam.get_role_policy(RoleName=f"{name}-lambda", PolicyName="runtime")["PolicyDocument"]
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources == {
        "WriteOwnLogs": f"arn:aws:logs:{REGION}:123456789012:log-group:/aws/lambda/{name}:*",
        "OwnFiles": f"arn:aws:s3:::{bucket}/files/*",
        "ListOwnBucket": f"arn:aws:s3:::{bucket}",
        "InvokeSelfForLazyListeners": f"arn:aws:lambda:{REGION}:123456789012:function:{name}",
    }

    function = lam.get_function(FunctionName=name)
    config = function["Configuration"]
    assert function["Code"]["ImageUri"] == deploy_env["IMAGE_URI"] and config["PackageType"] == "Image"
    assert (config["MemorySize"], config["Timeout"], config["Role"]) == (3008, 300, role["Arn"])
    variables = config["Environment"]["Variables"]
    assert variables["OBJECT_STORE"] == "s3" and variables["S3_BUCKET"] == bucket and variables["S3_PREFIX"] == "files/"
    assert variables["SLACK_BOT_TOKEN"] == "xoxb-deploy-secret" and variables["VECTOR_STORE"] == "pinecone"
    assert not {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_REGION", "DATA_DIR", "IMAGE_URI"} & set(variables)
    assert "xoxb-deploy-secret" not in json.dumps(report), "secrets are never printed"
    url = lam.get_function_url_config(FunctionName=name)
    assert url["AuthType"] == "NONE" and url["FunctionUrl"].rstrip("/") + "/" == report["function_url"]
    sids = {s["Sid"] for s in json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]}
    assert {"FunctionUrlPublicAccess", "FunctionUrlInvokeFunction"} <= sids

    code, again, err = infra(capsys, "up")
    assert code == 0, err
    assert set(actions(again).values()) == {"unchanged"} and again["changed"] is False

    code, status, _ = infra(capsys, "status")
    assert code == 0 and set(actions(status).values()) == {"exists"}

    s3.put_object(Bucket=bucket, Key="files/doc.pdf", Body=b"%PDF")
    code, down, _ = infra(capsys, "down")
    assert code == 0 and actions(down)["s3_bucket"] == "kept", "files stay without --delete-data"
    assert {k: v for k, v in actions(down).items() if k != "s3_bucket"} == {
        "lambda_function": "deleted",
        "iam_role": "deleted",
        "log_group": "deleted",
        "ecr_repository": "deleted",
    }
    code, down, _ = infra(capsys, "down", "--delete-data")
    assert code == 0 and actions(down)["s3_bucket"] == "deleted"
    code, status, _ = infra(capsys, "status")
    assert set(actions(status).values()) == {"absent"}
    assert name not in json.dumps(ecr.describe_repositories()["repositories"])
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert f"{name}-lambda" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert name not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]


def test_a_changed_setting_updates_only_the_function(deploy_env, s3_endpoint, capsys, monkeypatch) -> None:
    assert infra(capsys, "up")[0] == 0
    monkeypatch.setenv("LAMBDA_MEMORY_MB", "4096")
    monkeypatch.setenv("IMAGE_URI", deploy_env["IMAGE_URI"].replace(":abc123", ":def456"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-new")
    code, report, err = infra(capsys, "up")
    assert code == 0, err
    assert actions(report) == {
        "ecr_repository": "unchanged",
        "s3_bucket": "unchanged",
        "log_group": "unchanged",
        "iam_role": "unchanged",
        "lambda_function": "updated",
        "function_url": "unchanged",
    }
    changes = " ".join(next(r for r in report["resources"] if r["kind"] == "lambda_function")["changes"])
    assert "MemorySize 3008 → 4096" in changes and "OPENAI_API_KEY" in changes and ":def456" in changes
    assert "sk-new" not in changes, "a changed variable is named, its value is not"
    config = client("lambda", s3_endpoint).get_function(FunctionName=deploy_env["DOCBOT_NAME"])
    assert config["Configuration"]["MemorySize"] == 4096 and config["Code"]["ImageUri"].endswith(":def456")
    assert infra(capsys, "down", "--delete-data")[0] == 0


def test_without_an_image_everything_but_the_function_is_made(deploy_env, capsys, monkeypatch) -> None:
    monkeypatch.delenv("IMAGE_URI")
    code, report, err = infra(capsys, "up")
    assert code == 0, err
    function = next(r for r in report["resources"] if r["kind"] == "lambda_function")
    assert function["action"] == "skipped" and "IMAGE_URI is not set" in function["notes"][0]
    assert actions(report)["ecr_repository"] == "created" and "function_url" not in report
    assert infra(capsys, "down")[0] == 0


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("REDIS_URL", "", "REDIS_URL is not set"),
        ("VECTOR_STORE", "local", "VECTOR_STORE=local"),
        ("LAMBDA_MEMORY_MB", "lots", "LAMBDA_MEMORY_MB='lots' is not a whole number"),
        ("LAMBDA_ARCHITECTURE", "riscv", "LAMBDA_ARCHITECTURE='riscv'"),
    ],
)
def test_settings_the_function_cannot_run_with_are_refused_before_anything_is_made(
    deploy_env, s3_endpoint, capsys, monkeypatch, variable, value, message
) -> None:
    monkeypatch.setenv(variable, value)
    code, report, err = infra(capsys, "up")
    assert code == 2 and report == {} and message in err
    names = [r["repositoryName"] for r in client("ecr", s3_endpoint).describe_repositories()["repositories"]]
    assert deploy_env["DOCBOT_NAME"] not in names


def test_an_env_file_supplies_settings_and_the_environment_wins(
    deploy_env, s3_endpoint, capsys, monkeypatch, tmp_path
) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text(
        "# production\nOPENAI_API_KEY=sk-from-file\nexport LAMBDA_TIMEOUT_S=120\nSLACK_BOT_TOKEN=xoxb-file\n"
    )
    code, _, err = infra(capsys, "up", "--env-file", str(env_file))
    assert code == 0, err
    config = client("lambda", s3_endpoint).get_function(FunctionName=deploy_env["DOCBOT_NAME"])["Configuration"]
    assert config["Timeout"] == 120 and config["Environment"]["Variables"]["OPENAI_API_KEY"] == "sk-from-file"
    assert config["Environment"]["Variables"]["SLACK_BOT_TOKEN"] == "xoxb-deploy-secret"
    assert infra(capsys, "down", "--delete-data")[0] == 0
    code, _, err = infra(capsys, "up", "--env-file", str(tmp_path / "missing.env"))
    assert code == 2 and "env file not found" in err
