"""The account screen's pieces (new ones; the older ones are the ``lib/ui/account_*`` modules)."""
