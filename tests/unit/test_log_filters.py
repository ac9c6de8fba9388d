"""Log filters become DynamoDB conditions in one place, for one execution's logs and for the search alike."""

from __future__ import annotations

import hashlib

from workflow_engine.data.codec import dump_json
from workflow_engine.data.logs import LogFilter, LogSearch, _filter_conditions
from workflow_engine.models.time_range import TimeRange


def test_parent_step_is_an_equality_filter_on_both_kinds_of_query():
    for filters in (LogFilter(parent_step="each", step_name="copy"), LogSearch(parent_step="each")):
        conditions, names, values = _filter_conditions(filters)
        assert "#parent_step = :parent_step" in conditions
        assert names["#parent_step"] == "parent_step" and values[":parent_step"] == {"S": "each"}
    assert _filter_conditions(LogFilter(step_name="copy"))[0] == ["#step_name = :step_name"]
    assert _filter_conditions(LogFilter()) == ([], {}, {})


def test_a_search_token_is_bound_to_its_parent_step_and_older_tokens_stay_valid():
    plain = LogSearch(q="x", step_type="http")
    assert plain.scope() != LogSearch(q="x", step_type="http", parent_step="each").scope()
    assert LogSearch(parent_step="each").filtered and not LogSearch().filtered
    before = (plain.q, plain.workflow_id, plain.step_type, plain.has_error, TimeRange().fingerprint())
    assert plain.scope() == hashlib.sha256(dump_json(before).encode()).hexdigest()[:16]  # the digest it had
