"""Small standard-library HTTP servers that speak real vendor wire formats, for tests."""
