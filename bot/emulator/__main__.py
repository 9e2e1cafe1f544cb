"""`python -m bot.emulator`: the emulator alone, for a bot run separately (e.g. `python -m bot serve`).

    python -m bot.emulator --bot-url http://127.0.0.1:8000/slack/events --signing-secret S --token xoxb-x
    SLACK_API_URL=http://127.0.0.1:3000/api/ SLACK_SIGNING_SECRET=S SLACK_BOT_TOKEN=xoxb-x \\
        python -m bot serve --port 8000
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from .emulator import SlackEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--bot-url", required=True, help="the bot's request URL (…/slack/events)")
    parser.add_argument("--signing-secret", required=True, help="the bot's SLACK_SIGNING_SECRET")
    parser.add_argument("--token", default="xoxb-demo", help="the bot token the emulator accepts")
    args = parser.parse_args(argv)
    emulator = SlackEmulator(args.signing_secret, args.bot_url, bot_token=args.token, host=args.host, port=args.port)
    print(f"Open {emulator.base_url}  (Web API for the bot: SLACK_API_URL={emulator.api_url})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
