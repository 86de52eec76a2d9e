"""Altair charts of the preview page: the four-week timeline of one user and the cohort's bots
per day. Both compare current preferences with the candidate, side by side for each day."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.cohort import SCENARIO_AFTER, SCENARIO_BEFORE, STATUS_NOT_RECORDED, STATUS_RECORDED

# Current preferences in slate, the candidate in the console's indigo; "not recorded" is the
# pale shade of each, so the recorded share reads at a glance.
SERIES_COLOURS: dict[str, str] = {
    f"{SCENARIO_BEFORE} · {STATUS_RECORDED}": "#475569",
    f"{SCENARIO_BEFORE} · {STATUS_NOT_RECORDED}": "#CBD5E1",
    f"{SCENARIO_AFTER} · {STATUS_RECORDED}": "#4F46E5",
    f"{SCENARIO_AFTER} · {STATUS_NOT_RECORDED}": "#C7D2FE",
}
SCENARIO_COLOURS: dict[str, str] = {SCENARIO_BEFORE: "#475569", SCENARIO_AFTER: "#4F46E5"}


def _labels(days: pd.Series) -> tuple[pd.Series, list[str]]:
    labels = pd.to_datetime(days).dt.strftime("%a %d %b")
    return labels, list(dict.fromkeys(labels))


def timeline_chart(by_day: pd.DataFrame) -> alt.Chart:
    """Meetings per day, recorded or not, under both sets of preferences
    (:func:`lib.cohort.meetings_by_day`)."""
    labels, order = _labels(by_day["day"])
    data = by_day.assign(label=labels, series=by_day["scenario"] + " · " + by_day["status"]).drop(
        columns=["day"]
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-50)),
            xOffset=alt.XOffset("scenario:N", sort=[SCENARIO_BEFORE, SCENARIO_AFTER]),
            y=alt.Y("sum(meetings):Q", title="Meetings", stack="zero"),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=list(SERIES_COLOURS), range=list(SERIES_COLOURS.values())),
                legend=alt.Legend(title=None, orient="top", labelLimit=400),
            ),
            order=alt.Order("status:N", sort="descending"),
            tooltip=[
                alt.Tooltip("label:N", title="Day"),
                alt.Tooltip("scenario:N", title="Preferences"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("meetings:Q", title="Meetings"),
            ],
        )
        .properties(height=280)
    )


def bots_chart(bots: pd.DataFrame) -> alt.Chart:
    """Bots per day under both sets of preferences (:func:`lib.cohort.bots_by_day`)."""
    labels, order = _labels(bots["day"])
    data = (
        bots.assign(label=labels)
        .rename(columns={"before": SCENARIO_BEFORE, "after": SCENARIO_AFTER})
        .melt(
            id_vars=["label"],
            value_vars=[SCENARIO_BEFORE, SCENARIO_AFTER],
            var_name="scenario",
            value_name="bots",
        )
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-50)),
            xOffset=alt.XOffset("scenario:N", sort=[SCENARIO_BEFORE, SCENARIO_AFTER]),
            y=alt.Y("bots:Q", title="Bots"),
            color=alt.Color(
                "scenario:N",
                scale=alt.Scale(
                    domain=list(SCENARIO_COLOURS), range=list(SCENARIO_COLOURS.values())
                ),
                legend=alt.Legend(title=None, orient="top", labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Day"),
                alt.Tooltip("scenario:N", title="Preferences"),
                alt.Tooltip("bots:Q", title="Bots"),
            ],
        )
        .properties(height=280)
    )
