"""Test-only helpers around the emulator: a small Bolt host and Slack's failure modes."""
