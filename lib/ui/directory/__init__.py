"""The directory page's newer pieces (the older ones are ``lib/ui/directory_*.py``)."""
