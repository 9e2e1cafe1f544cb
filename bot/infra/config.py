"""What `python -m bot infra` deploys, read from the environment and an optional env file.

Deployment settings (names, sizes, the image) are separate from the function's own settings:
the function gets the bot's variables (every alias of bot.settings.Settings that is set), minus
those Lambda reserves or the image and this tool decide.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_NAME = "docbot"
DEFAULT_REGION = "us-east-1"

# Lambda sets these itself and refuses a function that sets them.
LAMBDA_RESERVED = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_EXECUTION_ENV",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "_HANDLER",
    }
)
# The image sets DATA_DIR (/tmp); this tool sets the object store to the bucket it made; an
# S3 endpoint override is for local S3-compatible stores, never for the deployed function.
DECIDED_HERE = frozenset({"DATA_DIR", "OBJECT_STORE", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL"})


class InfraConfigError(ValueError):
    """A deployment setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class InfraConfig:
    name: str
    region: str
    image_uri: str
    bucket: str  # empty: "<name>-<account>-<region>", decided once the account is known
    prefix: str
    memory_mb: int
    timeout_s: int
    ephemeral_mb: int
    architecture: str
    log_retention_days: int
    function_env: dict[str, str] = field(default_factory=dict)

    @property
    def function_name(self) -> str:
        return self.name

    @property
    def repository_name(self) -> str:
        return self.name

    @property
    def role_name(self) -> str:
        return f"{self.name}-lambda"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def bucket_for(self, account: str) -> str:
        return self.bucket or f"{self.name}-{account}-{self.region}"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments, blank lines, `export ` and quotes allowed), as docker and dotenv read them."""
    from dotenv import dotenv_values

    if not path.is_file():
        raise InfraConfigError(f"env file not found: {path}")
    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def load_infra_config(env_file: Path | None = None, environ: dict[str, str] | None = None) -> InfraConfig:
    """The environment wins over the env file, as it does for the bot's own settings."""
    from bot.settings import Settings

    values = read_env_file(env_file) if env_file else {}
    values.update(os.environ if environ is None else environ)

    def number(variable: str, default: int, low: int, high: int) -> int:
        raw = values.get(variable, "").strip()
        if not raw:
            return default
        try:
            number = int(raw)
        except ValueError:
            raise InfraConfigError(f"{variable}={raw!r} is not a whole number") from None
        if not low <= number <= high:
            raise InfraConfigError(f"{variable}={number} is outside {low}..{high}")
        return number

    architecture = values.get("LAMBDA_ARCHITECTURE", "").strip() or "x86_64"
    if architecture not in ("x86_64", "arm64"):
        raise InfraConfigError(f"LAMBDA_ARCHITECTURE={architecture!r}: use x86_64 or arm64")
    name = values.get("DOCBOT_NAME", "").strip() or DEFAULT_NAME
    if not name.replace("-", "").isalnum() or not name[0].isalpha() or len(name) > 40 or name != name.lower():
        raise InfraConfigError(f"DOCBOT_NAME={name!r}: lower-case letters, digits and '-', starting with a letter")
    prefix = values.get("S3_PREFIX", "").strip() or "files/"
    app_variables = {f.alias for f in Settings.model_fields.values() if f.alias}
    function_env = {
        key: value
        for key, value in values.items()
        if key in app_variables and key not in LAMBDA_RESERVED | DECIDED_HERE and value != ""
    }
    return InfraConfig(
        name=name,
        region=(values.get("AWS_REGION") or values.get("AWS_DEFAULT_REGION") or DEFAULT_REGION).strip(),
        image_uri=values.get("IMAGE_URI", "").strip(),
        bucket=values.get("S3_BUCKET", "").strip(),
        prefix=prefix if prefix.endswith("/") else prefix + "/",
        memory_mb=number("LAMBDA_MEMORY_MB", 3008, 128, 10240),
        timeout_s=number("LAMBDA_TIMEOUT_S", 300, 3, 900),
        ephemeral_mb=number("LAMBDA_EPHEMERAL_MB", 2048, 512, 10240),
        architecture=architecture,
        log_retention_days=number("LOG_RETENTION_DAYS", 30, 1, 3653),
        function_env=function_env,
    )


def function_environment(config: InfraConfig, bucket: str) -> dict[str, str]:
    """The function's variables: the bot's settings as given, files in this deployment's bucket."""
    return {**config.function_env, "OBJECT_STORE": "s3", "S3_BUCKET": bucket, "S3_PREFIX": config.prefix}


def lambda_problems(config: InfraConfig, bucket: str) -> list[str]:
    """What the deployed function would refuse to start with (bot.settings.Settings.lambda_problems)."""
    from bot.settings import Settings

    env = {**function_environment(config, bucket), "AWS_LAMBDA_FUNCTION_NAME": config.function_name}
    try:
        settings = Settings(_env_file=None, **env)  # type: ignore[arg-type]  # aliases as keywords
    except ValueError as exc:
        return [f"a variable for the function is invalid: {exc}"]
    return settings.lambda_problems()
