"""Region presets and base-URL resolution."""

from __future__ import annotations

import pytest

from lib.recall.regions import REGIONS, region_of, resolve_base_url


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us-west-2", "https://us-west-2.recall.ai"),
        ("us-east-1", "https://us-east-1.recall.ai"),
        ("eu-central-1", "https://eu-central-1.recall.ai"),
        ("ap-northeast-1", "https://ap-northeast-1.recall.ai"),
    ],
)
def test_presets_match_the_reference(region: str, url: str) -> None:
    assert resolve_base_url(region, None) == url
    assert resolve_base_url(f" {region.upper()} ", "") == url
    assert region_of(url + "/") == region


def test_exactly_the_four_documented_regions() -> None:
    assert set(REGIONS) == {"us-west-2", "us-east-1", "eu-central-1", "ap-northeast-1"}


def test_explicit_base_url_wins_and_is_normalised() -> None:
    assert resolve_base_url("us-west-2", "http://127.0.0.1:8123/") == "http://127.0.0.1:8123"
    assert resolve_base_url(None, "https://API.recall.ai/api/v1/") == "https://api.recall.ai"
    assert (
        resolve_base_url(None, "https://proxy.example.com/recall/api/v1/calendar")
        == "https://proxy.example.com/recall"
    )
    assert region_of("https://proxy.example.com/recall") is None


@pytest.mark.parametrize(
    ("region", "base_url"),
    [
        ("mars-1", None),
        (None, None),
        ("", "  "),
        (None, "ftp://recall.ai"),
        (None, "us-west-2.recall.ai"),
        (None, "http://us-west-2.recall.ai"),  # plain http off loopback would expose the key
        (None, "https://user:pw@us-west-2.recall.ai"),
        (None, "https://us-west-2.recall.ai/?x=1"),
    ],
)
def test_bad_input_is_refused(region: str | None, base_url: str | None) -> None:
    with pytest.raises(ValueError):
        resolve_base_url(region, base_url)


def test_unknown_region_message_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="eu-central-1"):
        resolve_base_url("eu-west-1", None)


@pytest.mark.parametrize("alias", ["api.recall.ai", " API.recall.ai ", "https://api.recall.ai/"])
def test_the_legacy_host_is_an_alias_of_us_east_1(alias: str) -> None:
    # Recall's regions page: api.recall.ai "will continue to work for the US Monthly plan".
    assert resolve_base_url(alias, None) == "https://us-east-1.recall.ai"


def test_a_base_url_on_the_legacy_host_is_recognised_as_us_east_1() -> None:
    assert region_of("https://api.recall.ai") == "us-east-1"
    assert region_of("https://api.recall.ai/api/v1/") == "us-east-1"
    # Still the host that was configured: only its region is named.
    assert resolve_base_url(None, "https://api.recall.ai") == "https://api.recall.ai"
