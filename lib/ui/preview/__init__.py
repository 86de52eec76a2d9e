"""The preview screen's pieces (new ones; the older ones are the ``lib/ui/preview_*`` modules)."""
