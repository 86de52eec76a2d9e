"""Explicit, audited downloads of the tables pages show.

The grids' own toolbar download is switched off (``client.disableDataExport`` in
``.streamlit/config.toml``): it would hand out raw cells, formulas included, with no audit record.
Every table export goes through :func:`table_export_buttons` instead::

    table_export_buttons(ctx, frame, columns=COLUMNS, file_stem="meetings-nw-000001",
                         target="account: meetings", key="account.meetings", user_id=user_id)
"""

from lib.ui.exports.table import EXPORT_ACTION, table_csv, table_export_buttons, table_json

__all__ = ["EXPORT_ACTION", "table_csv", "table_export_buttons", "table_json"]
