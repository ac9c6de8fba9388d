"""The local stack's data on disk: a snapshot of moto's state, so that `make local` stopped and started again has
every user, workflow, state machine (and its versions), run, log, metric, notification, secret, schedule and
trigger it had.

moto keeps each service's state in one `BackendDict` per service (account -> region -> backend). A snapshot is all
the BackendDicts in use, pickled together in one pass (objects shared between services stay shared), so every
service the stack uses is kept without code of its own here. What cannot be pickled is reduced to what rebuilds it:
locks and events come back new, threads as None (nothing runs across a restart), private keys as PEM (Cognito's
signing key: tokens signed before a restart stay valid), weak dictionaries as their values.

When: after writes (a writer thread looks every `SNAPSHOT_INTERVAL_SECONDS` whether the AWS endpoint served any
request other than a read since its last snapshot), and once more on a clean stop. A `kill -9` loses at most the
writes of the last interval and of a snapshot being written. Each snapshot is written to a temporary file, synced
and renamed over the last one: a crash never leaves half a snapshot.

The file is a pickle: load only a snapshot this stack wrote (it lives under `.local/`, which is the user's own).
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import pickle
import sys
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from moto.core.base_backend import BackendDict

from infra.local import moto_seams

SNAPSHOT_FILE = "moto-state.pickle"
SNAPSHOT_INTERVAL_SECONDS = 1.0
FORMAT_VERSION = 1

_log = logging.getLogger(__name__)
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
_PUBLIC_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)
# AWS API actions (X-Amz-Target's operation) that change nothing: they do not call for a snapshot.
_READ_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet")


def _new(kind: type) -> Any:
    return kind()


def _private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def _none() -> None:
    return None


def _weak_values(values: dict[Any, Any]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(values)


def _default_dict(factory: Callable[[], Any], values: dict[Any, Any]) -> defaultdict[Any, Any]:
    return defaultdict(factory, values)


def _plain_factory(factory: Callable[[], Any]) -> Callable[[], Any]:
    """The type a `lambda: {}` (or `[]`, `set()`, `0`) default factory stands for: what pickles in its place."""
    sample = factory()
    if type(sample) in (dict, list, set, int, str) and sample == type(sample)():
        return type(sample)
    raise pickle.PicklingError(f"a defaultdict's factory makes {sample!r}: nothing stands for it")


class _StatePickler(pickle.Pickler):
    """Pickles moto's backends: what holds a running process's resources becomes what rebuilds it; a BackendDict
    met inside a backend is the live one of its module on load (persistent_id), never a copy."""

    def __init__(self, file: io.BytesIO, locations: dict[int, tuple[str, str]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._locations = locations

    def persistent_id(self, obj: Any) -> tuple[str, str] | None:
        if isinstance(obj, BackendDict):
            return self._locations[id(obj)]
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _LOCK_TYPES):
            return (threading.RLock if isinstance(obj, _LOCK_TYPES[1]) else threading.Lock), ()
        if isinstance(obj, threading.Thread):
            return _none, ()
        if isinstance(obj, (threading.Event, threading.Condition, threading.Semaphore)):
            return _new, (type(obj),)
        if isinstance(obj, _PRIVATE_KEYS):
            pem = obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            return _private_key, (pem,)
        if isinstance(obj, _PUBLIC_KEYS):
            pem = obj.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            return _public_key, (pem,)
        if isinstance(obj, weakref.WeakValueDictionary):
            return _weak_values, (dict(obj),)
        if isinstance(obj, defaultdict) and getattr(obj.default_factory, "__name__", "") == "<lambda>":
            return _default_dict, (_plain_factory(obj.default_factory), dict(obj))
        return NotImplemented


class _StateUnpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        module, attribute = pid
        return getattr(importlib.import_module(module), attribute)


def _backend_dict_locations() -> dict[int, tuple[str, str]]:
    """Where each BackendDict in use lives (module, attribute): moto makes one per service, a module global."""
    wanted = {id(backends) for backends in BackendDict._instances}
    locations: dict[int, tuple[str, str]] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("moto.") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and id(value) in wanted:
                locations.setdefault(id(value), (name, attribute))
    return locations


@contextmanager
def _quiet_writes() -> Iterator[None]:
    """DynamoDB's writes wait while the snapshot is taken (seam 4's lock): its tables are read consistently."""
    with moto_seams.dynamodb_request_lock():
        yield


def snapshot_bytes(resources: Any) -> bytes:
    """moto's state and the stack's resources, as one pickle."""
    locations = _backend_dict_locations()
    for attempt in range(5):
        state = {
            locations[id(backends)]: {account: dict(regions) for account, regions in backends.items()}
            for backends in list(BackendDict._instances)
            if id(backends) in locations
        }
        buffer = io.BytesIO()
        try:
            with _quiet_writes():
                _StatePickler(buffer, locations).dump(
                    {"version": FORMAT_VERSION, "resources": resources, "state": state}
                )
        except RuntimeError:  # another service changed a dict while it was read: take it again
            if attempt == 4:
                raise
            continue
        return buffer.getvalue()
    raise AssertionError("unreachable")


def restore(data: bytes) -> Any:
    """Put a snapshot's state into moto's live BackendDicts (before any request); the stack's resources."""
    snapshot = _StateUnpickler(io.BytesIO(data)).load()
    if snapshot.get("version") != FORMAT_VERSION:
        raise ValueError(f"snapshot format {snapshot.get('version')}, this stack reads {FORMAT_VERSION}")
    for (module, attribute), accounts in snapshot["state"].items():
        backends: BackendDict[Any] = getattr(importlib.import_module(module), attribute)
        backends.clear()
        for account, regions in accounts.items():
            account_backends = backends[account]  # registers the BackendDict as in use, as moto does
            for region, backend in regions.items():
                dict.__setitem__(account_backends, region, backend)
    return snapshot["resources"]


class SnapshotFile:
    """The stack's snapshot in its data directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / SNAPSHOT_FILE

    def exists(self) -> bool:
        return self.path.exists()

    def write(self, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.path)  # atomic: the last snapshot or this one, never half of one

    def read(self) -> bytes:
        return self.path.read_bytes()

    def remove(self) -> None:
        for path in (self.path, self.path.with_suffix(".tmp")):
            path.unlink(missing_ok=True)


class WriteTracker:
    """WSGI middleware in front of the AWS endpoint: counts the requests that may change state."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app
        self.writes = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        if environ.get("REQUEST_METHOD") != "GET" and not operation.startswith(_READ_PREFIXES):
            self.writes += 1
        return self._app(environ, start_response)


class Snapshotter:
    """Writes a snapshot after writes (looking every `interval` seconds) and on `stop()`."""

    def __init__(self, file: SnapshotFile, take: Callable[[], bytes], tracker: WriteTracker, interval: float) -> None:
        self._file = file
        self._take = take
        self._tracker = tracker
        self._interval = interval
        self._saved_at_writes = -1
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="local-snapshots", daemon=True)
        self.last_seconds = 0.0

    def start(self) -> None:
        self._thread.start()

    def save(self) -> None:
        with self._lock:
            writes = self._tracker.writes
            started = time.perf_counter()
            self._file.write(self._take())
            self.last_seconds = time.perf_counter() - started
            self._saved_at_writes = writes

    def _run(self) -> None:
        # At least `interval` between snapshots, and five times what the last one took: the stack never spends
        # more than a sixth of its time writing them, however much it holds.
        while not self._stopping.wait(max(self._interval, 5 * self.last_seconds)):
            if self._tracker.writes != self._saved_at_writes:
                try:
                    self.save()
                except Exception:  # the next look tries again; the last good snapshot stays in place
                    _log.exception("local stack: snapshot failed")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self.save()
