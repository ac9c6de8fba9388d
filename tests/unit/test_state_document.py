from workflow_engine.asl.state_document import final_output, initial_document, step_context


def test_context_maps_results_to_step_names_and_errors():
    document = initial_document({"a": 1})
    document["results"] = {
        "s0": {"output": 5},
        "s2": {"Error": "StepFailed", "Cause": '{"errorMessage": "Step \'c\' failed: no"}'},
    }
    context = step_context(document, {"s0": "Load order", "s1": "Pause", "s2": "c"})
    assert context == {
        "input": {"a": 1},
        "steps": {"Load order": {"output": 5}, "c": {"output": None, "error": "Step 'c' failed: no"}},
    }


def test_final_output_is_the_last_result_by_position():
    assert final_output({"results": {"s2": {"output": "late"}, "s10": {"output": "last"}}}) == "last"
    assert final_output({"results": {}}) is None
    assert final_output({"results": {"s1": {"Error": "x"}}}) is None


def test_final_output_is_the_last_top_level_result_never_a_nested_one():
    results = {"s1": {"output": "block"}, "s1_b0_s9": {"output": "inner"}, "s0": {"output": "first"}}
    assert final_output({"results": results}) == "block"
    assert final_output({"results": {"s0_b0_s0": {"output": "inner"}}}) is None
