"""Workspace snapshot: every calendar user's connections and meetings in the console's database,
kept fresh by sync jobs that any number of workers share (``python -m lib.snapshot worker``)."""
