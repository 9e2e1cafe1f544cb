"""`python -m bot infra up | status | down`: the AWS resources of one deployment (bot/infra/)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.commands import ServicesFactory, Subparsers


def register(sub: Subparsers, services_factory: ServicesFactory) -> None:
    infra = sub.add_parser("infra", help="create, inspect or remove the AWS resources (ECR, S3, IAM, Lambda, URL)")
    actions = infra.add_subparsers(dest="infra_command", metavar="ACTION", required=True)
    env_help = "read settings from this env file too (the environment wins)"

    up = actions.add_parser(
        "up", help="create or update everything (idempotent); IMAGE_URI creates or updates the function"
    )
    up.add_argument("--env-file", type=Path, help=env_help)
    up.set_defaults(func=_run, action="up")

    status = actions.add_parser("status", help="print what exists")
    status.add_argument("--env-file", type=Path, help=env_help)
    status.set_defaults(func=_run, action="status")

    down = actions.add_parser("down", help="remove what `up` made; the bucket's files only with --delete-data")
    down.add_argument("--env-file", type=Path, help=env_help)
    down.add_argument("--delete-data", action="store_true", help="also delete every file (all versions) in the bucket")
    down.set_defaults(func=_run, action="down")


def _run(args: argparse.Namespace, services_factory: ServicesFactory) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from bot.infra import stack
    from bot.infra.config import InfraConfigError, load_infra_config

    try:
        config = load_infra_config(args.env_file)
        clients = stack.Clients.connect(config.region)
        if args.action == "up":
            report = stack.up(config, clients)
        elif args.action == "status":
            report = stack.status(config, clients)
        else:
            report = stack.down(config, clients, delete_data=args.delete_data)
    except InfraConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"error: the AWS call failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0
