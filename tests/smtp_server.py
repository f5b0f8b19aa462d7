"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, and can be told to
refuse messages or to drop the connection, for the reminder tests."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: every accepted message, parsed, in order of arrival.

    ``mode``: ``"accept"``; ``"refuse"`` (answers 554 to the message); ``"drop"`` (closes the
    connection when the message is sent). ``refuse_first`` refuses that many messages, then
    accepts.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.mode = "accept"
        self.refuse_first = 0
        self.attempts = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.attempts += 1
            if self.mode == "drop":
                server.transport.close()
                return "421 closing"
            if self.mode == "refuse" or self.refuse_first > 0:
                self.refuse_first = max(0, self.refuse_first - 1)
                return "554 5.7.1 refused for the test"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


class SMTPServer:
    """Start with ``start()``; ``host``/``port`` for MAIL_SERVER/MAIL_PORT; ``stop()``."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname=self.host, port=self.port)

    def start(self) -> SMTPServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
