"""Bank API: pull account statements (interface, HTTP client, local simulator)."""
