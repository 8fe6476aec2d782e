"""Tool-call assembly from fragments, in the shapes different servers send."""

from __future__ import annotations

from infrazen_agent.llm.toolcalls import ToolCallAssembler, parse_arguments


def test_fragments_by_index_even_interleaved() -> None:
    asm = ToolCallAssembler()
    for frag in [
        {"index": 0, "id": "a", "function": {"name": "get_resource", "arguments": ""}},
        {"index": 1, "id": "b", "function": {"name": "get_anomalies", "arguments": '{"da'}},
        {"index": 0, "function": {"arguments": '{"resource_id":'}},
        {"index": 1, "function": {"arguments": 'ys": 14}'}},
        {"index": 0, "function": {"arguments": ' "r-1"}'}},
    ]:
        asm.add(frag)
    ready, invalid = asm.finish()
    assert [(c.id, c.name, c.arguments) for c in ready] == [
        ("a", "get_resource", {"resource_id": "r-1"}),
        ("b", "get_anomalies", {"days": 14}),
    ]
    assert invalid == []


def test_repeated_name_missing_name_and_empty_arguments() -> None:
    asm = ToolCallAssembler()
    asm.add({"index": 0, "id": "a", "function": {"name": "get_user_context", "arguments": ""}})
    asm.add({"index": 0, "function": {"name": "get_user_context", "arguments": ""}})
    asm.add({"index": 1, "id": "b", "function": {"arguments": "{}"}})
    ready, invalid = asm.finish()
    assert [(c.name, c.arguments) for c in ready] == [("get_user_context", {})]
    assert [(i.id, i.error) for i in invalid] == [("b", "tool call without a function name")]


def test_parse_arguments_explains_what_is_wrong() -> None:
    assert parse_arguments('{"a": 1}') == {"a": 1}
    assert parse_arguments("  ") == {}
    assert "not valid JSON" in str(parse_arguments('{"a": '))
    assert "JSON object" in str(parse_arguments('"text"'))
