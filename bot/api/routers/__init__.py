"""One router per resource: documents, ask, sql, training, feedback, stats (and cache), health."""
