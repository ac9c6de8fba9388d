import base64

import pytest

from workflow_engine.data.cursor import decode_cursor, encode_cursor
from workflow_engine.models.errors import InvalidRequestError

ATTRS = ["execution_id", "user_id", "started_at"]
KEY = {"execution_id": "e", "user_id": "u1", "started_at": "2026"}


def test_round_trip():
    assert decode_cursor(encode_cursor(KEY), ATTRS, "user_id", "u1") == KEY


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        encode_cursor({**KEY, "user_id": "u2"}),  # another user's partition
        encode_cursor({"execution_id": "e"}),  # wrong attributes
        encode_cursor({**KEY, "extra": "x"}),
        encode_cursor({**KEY, "started_at": ""}),
        "",
        base64.urlsafe_b64encode(b"[" * 1500).decode(),  # deeper than Python's recursion limit
        base64.urlsafe_b64encode(b'{"user_id":' * 1500).decode(),
        base64.urlsafe_b64encode(b'{"execution_id":"e","user_id":"u1","started_at":"\\ud800"}').decode(),
        base64.urlsafe_b64encode(b'{"execution_id":"e","user_id":"u1","started_at":"\xff"}').decode(),
        base64.urlsafe_b64encode(b'{"execution_id":"e","user_id":"u1","started_at":2026}').decode(),
        "\ud800",
    ],
)
def test_rejects_tampered_tokens(token):
    with pytest.raises(InvalidRequestError):
        decode_cursor(token, ATTRS, "user_id", "u1")
