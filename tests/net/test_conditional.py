"""Validators for conditional requests."""

from __future__ import annotations

import httpx

from huntaze_desktop.net.conditional import Validators, is_not_modified


def test_validators_from_an_answer_and_back_into_a_request() -> None:
    tagged = httpx.Response(
        200, headers={"ETag": 'W/"v1"', "Last-Modified": "Sat, 01 Jun 2024 10:00:00 GMT"}
    )
    found = Validators.of(tagged)
    assert found == Validators('W/"v1"', "Sat, 01 Jun 2024 10:00:00 GMT")
    assert found.request_headers() == {
        "If-None-Match": 'W/"v1"',
        "If-Modified-Since": "Sat, 01 Jun 2024 10:00:00 GMT",
    }
    assert Validators.of(httpx.Response(200)) is None
    # Junk is no validator: nothing to send back.
    assert Validators.from_headers({"etag": " ", "last-modified": "x" * 500}) is None
    assert Validators.from_headers({"etag": '"a"\r\nX-Evil: 1'}) is None
    assert Validators(last_modified="Sat, 01 Jun 2024").request_headers() == {
        "If-Modified-Since": "Sat, 01 Jun 2024"
    }
    assert is_not_modified(httpx.Response(304)) and not is_not_modified(httpx.Response(200))
