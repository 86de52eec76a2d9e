"""The bot preset screen (``pages/presets.py``), in pieces.

``actions`` validates, saves, marks and exports (no Streamlit, audited); ``data`` holds the
cached version store; ``session`` the editor text, notices and Undo in session state;
``callbacks`` what each button does; ``screen`` what one run of the page knows; ``overview``,
``editor`` and ``tabs`` draw the page top to bottom; ``view`` the shared drawing helpers.
"""
