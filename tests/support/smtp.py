"""A real SMTP server on 127.0.0.1 (aiosmtpd), started by the test: it records
every email it accepts and can be told to refuse the next ones (451, 550, ...)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: list[str]
    mail: EmailMessage

    @property
    def text(self) -> str:
        body = self.mail.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""

    @property
    def whole(self) -> str:
        """Every header and the body, to look for what must not be there."""
        return self.mail.as_string() + "\n" + self.text


@dataclass
class ScriptedHandler:
    refuse: list[str] = field(default_factory=list)  # replies for the next DATA commands
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        with self._lock:
            if self.refuse:
                self.refused += 1
                return self.refuse.pop(0)
            mail = message_from_bytes(envelope.original_content or envelope.content,
                                      policy=policy.default)
            self.received.append(Received(list(envelope.rcpt_tos), mail))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailServer:
    """``start()``/``stop()`` may be called again, on the same port (a server that was down)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = ScriptedHandler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailServer:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
