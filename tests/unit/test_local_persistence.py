"""The local stack's snapshots (infra/local/persistence.py): what moto holds that pickle refuses is reduced to what
rebuilds it, a snapshot replaces the last one whole, and only requests that may write call for one."""

from __future__ import annotations

import io
import pickle
import threading
import weakref
from collections import defaultdict

from cryptography.hazmat.primitives.asymmetric import rsa

from infra.local.persistence import SnapshotFile, WriteTracker, _StatePickler, _StateUnpickler


class Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rlock = threading.RLock()
        self.event = threading.Event()
        self.worker = threading.Thread(target=lambda: None)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.aliases: defaultdict[str, dict[str, int]] = defaultdict(lambda: {})
        self.aliases["a"]["b"] = 1
        self.by_arn: weakref.WeakValueDictionary[str, Holder] = weakref.WeakValueDictionary()


def _round_trip(value: object) -> object:
    buffer = io.BytesIO()
    _StatePickler(buffer, {}).dump(value)
    return _StateUnpickler(io.BytesIO(buffer.getvalue())).load()


def test_what_pickle_refuses_comes_back_as_what_rebuilds_it() -> None:
    holder = Holder()
    holder.by_arn["self"] = holder
    copy = _round_trip(holder)
    assert isinstance(copy, Holder)
    assert copy.lock.acquire(blocking=False) and copy.rlock.acquire(blocking=False)
    assert not copy.event.is_set() and copy.worker is None
    assert copy.key.public_key().public_numbers() == holder.key.public_key().public_numbers()
    assert copy.key.private_numbers() == holder.key.private_numbers()
    assert copy.aliases["a"] == {"b": 1} and copy.aliases["new"] == {}
    assert copy.by_arn["self"] is copy


def test_plain_pickle_refuses_them() -> None:
    holder = Holder()
    for name in ("lock", "key", "aliases"):
        try:
            pickle.dumps(getattr(holder, name))
        except (TypeError, AttributeError, pickle.PicklingError):
            continue
        raise AssertionError(f"{name} pickles without the reductions: the test proves nothing")


def test_a_snapshot_replaces_the_last_one_whole(tmp_path) -> None:
    file = SnapshotFile(tmp_path / "state")
    assert not file.exists()
    file.write(b"first")
    file.write(b"second")
    assert file.read() == b"second"
    assert sorted(path.name for path in (tmp_path / "state").iterdir()) == ["moto-state.pickle"]
    file.remove()
    assert not file.exists()


def test_only_requests_that_may_write_call_for_a_snapshot() -> None:
    tracker = WriteTracker(lambda environ, start_response: [b""])
    for target in ("DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query", "AWSStepFunctions.DescribeExecution"):
        tracker({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": target}, None)
    tracker({"REQUEST_METHOD": "GET", "PATH_INFO": "/pool/.well-known/jwks.json"}, None)
    assert tracker.writes == 0
    tracker({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.UpdateItem"}, None)
    tracker({"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded"}, None)  # query protocol
    assert tracker.writes == 2
