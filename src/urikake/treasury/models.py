"""Models of the treasury app."""
