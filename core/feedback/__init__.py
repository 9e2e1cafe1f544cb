"""Feedback on answers: 👍 / 👎 per person, kept with the question, answer and citations."""
