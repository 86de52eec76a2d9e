"""The audit screens' pieces: one row per action (``rows``) and how it is drawn (``table``).

Typical use on a page::

    rows = fold(store.query_actions(user_id=user_id, limit=50))
    selected = render_actions_table(rows, zone, key="activity", with_user=False)
    render_action_details(selected, zone)
"""
