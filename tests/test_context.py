from agentguard import build_context, parse_check_input
from tests.conftest import call, system, tool, user


def test_source_ids_are_stable_and_numbered_by_kind() -> None:
    inp = parse_check_input(
        {
            "messages": [
                system("You are helpful."),
                user("Find order A1."),
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [call("get_order", {"id": "A1"}, "c1")],
                },
                {"role": "tool", "tool_call_id": "c1", "content": '{"status": "shipped"}'},
                user("And order B2?"),
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [call("get_order", {"id": "B2"}, "c2")],
                },
                {"role": "tool", "tool_call_id": "c2", "content": '{"status": "late"}'},
            ],
            "tools": [
                tool(
                    "get_order", id={"type": "string"}, cabin={"type": "string", "enum": ["a", "b"]}
                )
            ],
            "documents": [{"id": "faq", "text": "Refunds take 5 days."}],
            "output": {"role": "assistant", "content": "ok"},
        }
    )
    ids = [s.id for s in build_context(inp).sources]
    assert ids == [
        "system",
        "user#1",
        "tool:get_order#1",
        "user#2",
        "tool:get_order#2",
        "doc:faq",
        "schema:get_order.cabin",
    ]


def test_schema_source_renders_default_and_enum() -> None:
    inp = parse_check_input(
        {
            "messages": [user("hi")],
            "tools": [
                tool("book", cabin={"type": "string", "enum": ["eco", "biz"], "default": "eco"})
            ],
            "output": {"content": "ok"},
        }
    )
    ctx = build_context(inp)
    (schema,) = [s for s in ctx.sources if s.kind == "schema"]
    assert schema.id == "schema:book.cabin"
    assert schema.text == 'default: "eco"; one of: "eco", "biz"'
    assert ctx.param("book", "cabin") is not None


def test_nested_parameters_are_reachable_by_generic_path() -> None:
    passengers = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string", "description": "Full name"}},
        },
    }
    inp = parse_check_input(
        {
            "messages": [user("hi")],
            "tools": [tool("book", passengers=passengers)],
            "output": {"content": "ok"},
        }
    )
    param = build_context(inp).param("book", "passengers[3].name")
    assert param is not None and param.description == "Full name"


def test_developer_messages_count_as_system_and_assistant_text_is_not_a_source() -> None:
    inp = parse_check_input(
        {
            "messages": [
                {"role": "developer", "content": "Rules."},
                user("hi"),
                {"role": "assistant", "content": "Your flight leaves from Boston."},
                user("ok"),
            ],
            "output": {"content": "ok"},
        }
    )
    sources = build_context(inp).sources
    assert [s.id for s in sources] == ["system", "user#1", "user#2"]
    assert all("Boston" not in s.text for s in sources)
