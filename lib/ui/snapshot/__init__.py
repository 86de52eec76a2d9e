"""The console's side of the workspace snapshot."""

from lib.ui.snapshot.start import start_embedded_snapshot

__all__ = ["start_embedded_snapshot"]
