"""LangGraph: a monitor node in an existing graph asks the user instead of booking on a guess.

Offline: the chat model is scripted. Its first reply books a flight from Boston, which the user
never mentioned; the monitor node holds the call back and asks through `interrupt()`. The run
is resumed with the user's answer (`Command(resume=...)`), the model reads it and books from
Chicago, and that call goes through.

    python examples/integrations/langgraph_monitor.py
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command

from agentguard.integrations.langgraph import monitor_node, report_of

SYSTEM = "You are a travel agent. Today is Wednesday, 1 May 2024."
booked: list[str] = []


@tool
def book_flight(origin: str, destination: str, date: str) -> str:
    """Book a one-way flight.

    Args:
        origin: City of departure.
        destination: City of arrival.
        date: Date of the flight, YYYY-MM-DD.
    """
    booked.append(f"{origin} -> {destination} on {date}")
    return f"Booked {origin} -> {destination} on {date}."


def booking(call_id: str, origin: str) -> AIMessage:
    args = {"origin": origin, "destination": "Denver", "date": "2024-05-03"}
    return AIMessage("", tool_calls=[{"id": call_id, "name": "book_flight", "args": args}])


class ScriptedChatModel(BaseChatModel):
    """A chat model that returns the replies it was given, in order (no network)."""

    replies: list[AIMessage]

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.replies.pop(0))])

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self


model = ScriptedChatModel(
    replies=[booking("call_1", "Boston"), booking("call_2", "Chicago"), AIMessage("Done!")]
)


def agent(state: MessagesState) -> dict[str, Any]:
    return {"messages": [model.invoke([("system", SYSTEM), *state["messages"]])]}


# The graph you already have, with the monitor between the model and the tools.
graph = StateGraph(MessagesState)
graph.add_node("agent", agent)
graph.add_node("monitor", monitor_node(tools=[book_flight], system=SYSTEM))
graph.add_node("tools", ToolNode([book_flight]))
graph.add_edge(START, "agent")
graph.add_edge("agent", "monitor")
graph.add_conditional_edges("monitor", tools_condition)
graph.add_edge("tools", "agent")
app = graph.compile(checkpointer=InMemorySaver())


def main() -> None:
    config: Any = {"configurable": {"thread_id": "trip-1"}}
    user = {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."}
    state = app.invoke({"messages": [user]}, config)
    asked = state["__interrupt__"][0].value
    print(f"decision: {asked['report']['decision']['action']}")
    print(f"asked: {asked['question']}")
    print(f"booked so far: {booked}")
    state = app.invoke(Command(resume="From Chicago."), config)
    for message in state["messages"][1:]:
        report = report_of(message)
        calls = [f"{c['name']}({c['args']['origin']})" for c in getattr(message, "tool_calls", [])]
        action = f" [{report.decision.action}]" if report is not None else ""
        print(f"{message.type}: {message.content or ', '.join(calls)}{action}")
    print(f"booked: {booked}")


if __name__ == "__main__":
    main()
