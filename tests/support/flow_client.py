"""Drive the channel-independent flows like a person would, with no network:
``await client.command("checkin")``, ``await client.tap("Happy")``,
``await client.send("some words")``. Each call is one unit of work, as in a channel."""

from __future__ import annotations

from domain.runtime import Runtime
from flows import inputs
from domain.context import FlowContext
from flows.conversation import Conversation
from flows.screen import Reply, Screen
from storage.models import YoungPerson


class FlowClient:
    def __init__(self, runtime: Runtime, person_id: str, channel: str = "telegram") -> None:
        self.runtime = runtime
        self.person_id = person_id
        self.channel = channel
        self.replies: list[Reply] = []

    @property
    def screen(self) -> Screen:
        for reply in reversed(self.replies):
            if reply.screens:
                return reply.screens[-1]
        raise AssertionError("nothing has been shown yet")

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    async def _handle(self, event: inputs.Input) -> Reply:
        async with self.runtime.db.transaction() as session:
            person = await session.get(YoungPerson, self.person_id)
            assert person is not None
            ctx = FlowContext(session=session, services=self.runtime.services, person=person,
                              channel=self.channel)
            reply = await Conversation(ctx).handle(event)
        self.replies.append(reply)
        return reply

    async def command(self, name: str) -> Reply:
        return await self._handle(inputs.Command(name))

    async def send(self, text: str) -> Reply:
        return await self._handle(inputs.Words(text))

    async def send_unusable(self, kind: str = "sticker") -> Reply:
        return await self._handle(inputs.Unusable(kind))

    async def tap(self, label_or_id: str, *, token: str | None = None) -> Reply:
        screen = self.screen
        match = next(
            (c for c in screen.choices if label_or_id in (c.id, c.label)), None
        ) or next((c for c in screen.choices if label_or_id in c.label), None)
        if match is None:
            options = ", ".join(f"{c.label!r}" for c in screen.choices)
            raise AssertionError(f"no choice {label_or_id!r} on {screen.name}; have {options}")
        return await self._handle(inputs.Tap(token or screen.token, match.id))

    async def tap_raw(self, token: str, choice_id: str) -> Reply:
        return await self._handle(inputs.Tap(token, choice_id))
