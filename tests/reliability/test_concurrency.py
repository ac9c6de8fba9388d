"""Concurrent API calls of different users on the local stack: each answer belongs to its own request.

In Lambda an execution environment serves one invocation at a time. The local stack runs every API function
in one process, where Powertools keeps the current event on a class attribute shared by all resolvers; two
API invocations at once could read each other's event (and caller). infra/local/gateway.py therefore runs
one API invocation at a time. This test sends many interleaved requests of several users at once and checks
every answer is the right one for its own request.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import Client, new_user

pytestmark = pytest.mark.xdist_group("reliability")

USERS = 4
THREADS_PER_USER = 4
REQUESTS_PER_THREAD = 60


def test_interleaved_requests_of_several_users_each_get_their_own_answer(rstack):
    users = [Client(rstack, new_user(rstack, f"conc{n}")["id"]) for n in range(USERS)]
    owned = [
        client.create_workflow([{"name": "a", "type": "transform", "config": {"expression": "input"}}], name=f"u{n}")
        for n, client in enumerate(users)
    ]
    barrier = threading.Barrier(USERS * THREADS_PER_USER)

    def hammer(slot: int) -> list[str]:
        n = slot % USERS
        client = Client(rstack, None)
        client.session.headers.update(users[n].session.headers)
        barrier.wait()
        wrong = []
        for i in range(REQUESTS_PER_THREAD):
            if i % 2:
                response = client.get(f"/api/workflows/{owned[n]['id']}")
                if response.status_code != 200 or response.json()["name"] != f"u{n}":
                    wrong.append(f"user {n} GET own: {response.status_code} {response.text[:120]}")
            else:
                response = client.get("/api/workflows")
                if response.status_code != 200 or [w["name"] for w in response.json()] != [f"u{n}"]:
                    wrong.append(f"user {n} list: {response.status_code} {response.text[:120]}")
        return wrong

    with ThreadPoolExecutor(max_workers=USERS * THREADS_PER_USER) as pool:
        problems = [problem for result in pool.map(hammer, range(USERS * THREADS_PER_USER)) for problem in result]
    assert not problems, f"{len(problems)} wrong answers, e.g.\n" + "\n".join(problems[:10])
