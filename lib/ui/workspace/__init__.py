"""The Workspace page: the snapshot's coverage and a meeting search across every account."""
