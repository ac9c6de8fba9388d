import pytest

from workflow_engine.data.cursor import decode_cursor, encode_cursor
from workflow_engine.errors import InvalidRequestError

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
    ],
)
def test_rejects_tampered_tokens(token):
    with pytest.raises(InvalidRequestError):
        decode_cursor(token, ATTRS, "user_id", "u1")
