"""The image registry (ECR) and the file bucket (S3): create, bring to the wanted settings, describe, remove.

Every `ensure_*` reads first and writes only what differs, so a second `infra up` changes nothing
and says "unchanged".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.infra.outcome import Outcome, is_missing

# Images are rebuilt by every deploy: keep the last few to roll back to, expire the rest.
KEEP_IMAGES = 20
NONCURRENT_DAYS = 30

_PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
_ENCRYPTION_RULE = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
_LIFECYCLE_RULE = {
    "ID": "expire-noncurrent-versions",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_DAYS},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}


def _ecr_lifecycle_policy() -> str:
    rule = {
        "rulePriority": 1,
        "description": f"keep the last {KEEP_IMAGES} images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": KEEP_IMAGES},
        "action": {"type": "expire"},
    }
    return json.dumps({"rules": [rule]}, sort_keys=True)


# --- ECR ---------------------------------------------------------------------------------------


def describe_repository(ecr: Any, name: str) -> dict[str, Any] | None:
    try:
        return ecr.describe_repositories(repositoryNames=[name])["repositories"][0]  # type: ignore[no-any-return]
    except ecr.exceptions.RepositoryNotFoundException:
        return None


def ensure_repository(ecr: Any, name: str) -> Outcome:
    """Scan on push, AES-256 encryption at rest, and a lifecycle policy keeping the last images."""
    outcome = Outcome("ecr_repository", name)
    repository = describe_repository(ecr, name)
    if repository is None:
        repository = ecr.create_repository(
            repositoryName=name,
            imageTagMutability="MUTABLE",  # a re-run of the same commit pushes the same tag again
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "AES256"},
        )["repository"]
        outcome.created()
    elif not repository.get("imageScanningConfiguration", {}).get("scanOnPush"):
        ecr.put_image_scanning_configuration(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
        outcome.changed("scan on push turned on")
    encryption = repository.get("encryptionConfiguration", {}).get("encryptionType")
    if encryption not in ("AES256", "KMS"):
        outcome.note(f"encryption is {encryption!r} and cannot be changed in place")
    wanted = _ecr_lifecycle_policy()
    try:
        current = ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
    except ecr.exceptions.LifecyclePolicyNotFoundException:
        current = None
    if current is None or json.dumps(json.loads(current), sort_keys=True) != wanted:
        ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=wanted)
        outcome.changed(f"lifecycle: keep the last {KEEP_IMAGES} images")
    outcome.details["uri"] = repository["repositoryUri"]
    return outcome


def delete_repository(ecr: Any, name: str) -> Outcome:
    """The images go with it: they are rebuilt from the repository by the next deploy."""
    outcome = Outcome("ecr_repository", name)
    if describe_repository(ecr, name) is None:
        return outcome.absent()
    ecr.delete_repository(repositoryName=name, force=True)
    return outcome.deleted()


# --- S3 ----------------------------------------------------------------------------------------


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except Exception as exc:
        if is_missing(exc):
            return False
        raise


def _unless_missing(read: Callable[[], Any], default: Any) -> Any:
    """read(), or default where S3 says the setting was never made (no public access block yet, ...)."""
    try:
        return read()
    except Exception as exc:
        if not is_missing(exc):
            raise
        return default


def ensure_bucket(s3: Any, bucket: str, region: str) -> Outcome:
    """Versioning, every public access blocked, SSE-S3 encryption, old versions expire after 30 days."""
    outcome = Outcome("s3_bucket", bucket)
    if not bucket_exists(s3, bucket):
        # us-east-1 is the one region that refuses a LocationConstraint naming itself.
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **location)
        outcome.created()
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        outcome.changed("versioning on")
    block = _unless_missing(lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"], {})
    if block != _PUBLIC_ACCESS_BLOCK:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=_PUBLIC_ACCESS_BLOCK)
        outcome.changed("public access blocked")
    rules = _unless_missing(
        lambda: s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"], []
    )
    if not any(
        r.get("ApplyServerSideEncryptionByDefault") == _ENCRYPTION_RULE["ApplyServerSideEncryptionByDefault"]
        for r in rules
    ):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [_ENCRYPTION_RULE]})
        outcome.changed("encryption SSE-S3")
    lifecycle = _unless_missing(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"], [])
    if _lifecycle_view(lifecycle) != _lifecycle_view([_LIFECYCLE_RULE]):
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [_LIFECYCLE_RULE]})
        outcome.changed(f"noncurrent versions expire after {NONCURRENT_DAYS} days")
    return outcome


def _lifecycle_view(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The parts of lifecycle rules we set, in a form S3's echo and our request compare equal."""
    return sorted(
        (
            r.get("ID"),
            r.get("Status"),
            (r.get("Filter") or {}).get("Prefix", r.get("Prefix", "")),
            (r.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays"),
            (r.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation"),
        )
        for r in rules
    )


def count_versions(s3: Any, bucket: str) -> int:
    """Object versions and delete markers: what a versioned bucket keeps."""
    total = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        total += len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))
    return total


def delete_bucket(s3: Any, bucket: str, *, delete_data: bool) -> Outcome:
    """An empty bucket goes; one holding files goes only with `delete_data` (every version)."""
    outcome = Outcome("s3_bucket", bucket)
    if not bucket_exists(s3, bucket):
        return outcome.absent()
    held = count_versions(s3, bucket)
    if held and not delete_data:
        outcome.details["objects"] = held
        return outcome.kept(f"holds {held} object versions; run `infra down --delete-data` to delete them")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        doomed += [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
        for start in range(0, len(doomed), 1000):  # DeleteObjects takes at most 1,000 keys
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True})
    s3.delete_bucket(Bucket=bucket)
    if held:
        outcome.details["objects_deleted"] = held
    return outcome.deleted()
