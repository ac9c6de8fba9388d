"""The step tree: path keys, parents, depth-first walk, visibility; generic over steps that hold step lists."""

from __future__ import annotations

import pytest

from tests.support.group_kind import GroupStep
from workflow_engine.models.step_tree import StepTree, is_top_level, top_level_index
from workflow_engine.models.workflow import WorkflowDefinition


def leaf(name):
    return WorkflowDefinition(
        name="w", steps=[{"name": name, "type": "transform", "config": {"expression": "input"}}]
    ).steps[0]


def nested_tree():
    # a, g(lists: [b, h(lists: [c])], [d]), e
    inner = GroupStep("h", [[leaf("c")]])
    return StepTree([leaf("a"), GroupStep("g", [[leaf("b"), inner], [leaf("d")]]), leaf("e")])


def test_today_top_level_keys_are_positions():
    tree = StepTree([leaf("a"), leaf("b")])
    assert [(node.key, node.name, node.parent_key) for node in tree.walk()] == [("s0", "a", None), ("s1", "b", None)]
    assert tree.lists_of(tree.find("s0")) == ()


def test_nested_steps_get_path_keys_and_parents_depth_first():
    tree = nested_tree()
    assert [(node.key, node.name) for node in tree.walk()] == [
        ("s0", "a"),
        ("s1", "g"),
        ("s1_b0_s0", "b"),
        ("s1_b0_s1", "h"),
        ("s1_b0_s1_b0_s0", "c"),
        ("s1_b1_s0", "d"),
        ("s2", "e"),
    ]
    c = tree.named("c")
    assert tree.parent(c).name == "h" and tree.parent(tree.parent(c)).name == "g"
    assert tree.parent(tree.find("s1")) is None
    assert [n.name for n in tree.siblings(tree.find("s1_b1_s0"))] == ["d"]
    assert [n.name for n in tree.under_top_level(1)] == ["g", "b", "h", "c", "d"]


def test_visible_steps_are_the_earlier_ones_of_each_enclosing_list_outermost_first():
    tree = nested_tree()
    assert [n.name for n in tree.visible_before(tree.named("c"))] == ["a", "b"]
    assert [n.name for n in tree.visible_before(tree.named("d"))] == ["a"]
    assert [n.name for n in tree.visible_before(tree.named("e"))] == ["a", "g", "b", "h", "c", "d"]
    assert tree.visible_before(tree.named("a")) == []


@pytest.mark.parametrize(
    ("key", "index", "top"),
    [("s0", 0, True), ("s12", 12, True), ("s3_b1_s0", 3, False), ("s3.b1.s0", None, False), ("x1", None, False)],
)
def test_key_parsing(key, index, top):
    assert top_level_index(key) == index and is_top_level(key) is top
