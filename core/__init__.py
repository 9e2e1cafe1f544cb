"""The domain: documents, search, answers, SQL, routing. Knows nothing about Slack."""
