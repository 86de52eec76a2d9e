"""A local emulator of Recall.ai's Calendar V1 API with a seeded workspace.

Start one with ``lib.sandbox.server.start_in_thread`` or ``python -m lib.sandbox``; build the
ASGI app with ``lib.sandbox.app.create_app``.
"""
