"""Default-risk scoring: a trainable model, a shipped synthetic baseline and reason codes.

Plain-Python modules (no Django models): :mod:`.synthetic` generates a documented synthetic
history, :mod:`.features` reads CSVs and infers/encodes columns, :mod:`.model` trains, saves,
loads and predicts, :mod:`.card` writes the model card. ``urikake score …`` wraps them.
See docs/scoring.md.
"""
