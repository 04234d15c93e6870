"""One reading of Retry-After for every vendor client: seconds, milliseconds and HTTP-dates."""

from __future__ import annotations

import httpx
import pytest

from vidc.runtime.media.http_retry import retry_after_s

NOW = 1_445_412_480.0  # Wed, 21 Oct 2015 07:28:00 GMT


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"Retry-After": "-4"}, 0.0),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),  # the finer header wins
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),  # an HTTP-date: the seconds left until it
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:10 -0000"}, 10.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),  # already past
        ({"Retry-After": "later, please"}, None),
        ({"Retry-After": "nan"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after(headers, expected):
    assert retry_after_s(headers, now=lambda: NOW) == expected


def test_the_sdks_header_objects_are_read_too():
    assert retry_after_s(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:02 GMT"}), now=lambda: NOW) == 2.0
    assert retry_after_s(httpx.Headers({"RETRY-AFTER-MS": "250"})) == 0.25


def test_both_vendor_clients_use_it():
    from pathlib import Path

    import vidc.runtime.backends as backends
    import vidc.runtime.llm as llm

    for folder, name in (
        (Path(backends.__file__).parent, "elevenlabs_voice.py"),
        (Path(llm.__file__).parent, "retries.py"),
    ):
        text = (folder / name).read_text("utf-8")
        assert "retry_after_s(" in text and "def _retry_after" not in text and "parsedate" not in text
