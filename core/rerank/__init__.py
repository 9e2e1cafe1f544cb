"""Re-ranking: a second, finer look at the first-stage candidates of a question."""
