"""Start-up gate: the console runs only on a database whose schema this code knows."""

from lib.ui.schema.gate import require_current_schema

__all__ = ["require_current_schema"]
