"""The outbox's email transport: one outbox message as one email, over SMTP.

``HEARD_SMTP_URL`` is ``smtp://[user:password@]host:port`` (STARTTLS when the server
offers it, and always before a password is sent) or ``smtps://`` (TLS from the
start). Every failure is retried by the sender with backoff: a mail server that
refuses (4xx or 5xx) or is down is usually a fault an operator can fix, and an
urgent alert must not be dropped at the first refusal. After
``HEARD_SEND_GIVE_UP_HOURS`` the message is marked undelivered and admins are told.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from outbox.message import Message
from outbox.sender import Transient

# Telegram ids have at most 52 significant bits (and groups are negative): keys at
# and above 2**53 can never be a Telegram chat, so pacing per chat never mixes them.
_EMAIL_KEYS_FROM = 2**53
# Well inside the sender's lease, like Telegram's request timeout.
SMTP_TIMEOUT = 20


def chat_key(address: str) -> int:
    """The outbox ``chat_id`` of an email address: stable, and never a Telegram chat."""
    digest = hashlib.sha256(address.strip().lower().encode()).digest()
    return _EMAIL_KEYS_FROM + int.from_bytes(digest[:7], "big")


class SmtpTransport:
    def __init__(self, smtp_url: str, mail_from: str) -> None:
        parts = urlsplit(smtp_url)
        self.host = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.mail_from = mail_from

    def build(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=self.mail_from.rsplit("@", 1)[-1])
        mail.set_content(message.text)
        return mail

    async def send(self, chat_id: int, message: Message) -> None:
        if not message.address:
            raise Transient("an email without an address")
        # A password never travels in the clear: STARTTLS is required then.
        start_tls = None if self.implicit_tls else (True if self.username else None)
        try:
            await aiosmtplib.send(
                self.build(message), hostname=self.host, port=self.port,
                username=self.username, password=self.password, use_tls=self.implicit_tls,
                start_tls=start_tls, timeout=SMTP_TIMEOUT,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
