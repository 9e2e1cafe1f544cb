"""The IAM documents: who may assume the function's role, and the least the function may do."""

from __future__ import annotations

from typing import Any

PolicyDocument = dict[str, Any]


def lambda_trust_policy() -> PolicyDocument:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


def function_policy(
    *, partition: str, region: str, account: str, function: str, log_group: str, bucket: str, prefix: str
) -> PolicyDocument:
    """Its own log group, its own files under the bucket prefix, and invoking itself (lazy listeners).

    The log group is created by `infra up` (with a retention), so the function never needs
    logs:CreateLogGroup.
    """
    log_group_arn = f"arn:{partition}:logs:{region}:{account}:log-group:{log_group}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            {
                "Sid": "OwnFiles",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"arn:{partition}:s3:::{bucket}/{prefix}*",
            },
            {
                # Unconditioned on purpose: without s3:ListBucket S3 answers 403, not 404, for a
                # missing key (a GET carries no s3:prefix for a condition to match), and the
                # store tells "absent" from "refused" by that status. The bucket is this
                # deployment's alone.
                "Sid": "ListOwnBucket",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:{partition}:s3:::{bucket}",
            },
            {
                "Sid": "InvokeSelfForLazyListeners",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": f"arn:{partition}:lambda:{region}:{account}:function:{function}",
            },
        ],
    }
