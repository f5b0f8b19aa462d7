"""Sending mail: the SMTP settings (Flask-Mail's ``MAIL_*`` keys, so a host that already uses
Flask-Mail configures nothing twice), a connection kept for a whole run, and reminder messages
rendered from templates the host can override.

Plain text and HTML, no tracking pixels, no remote images, no ``List-Unsubscribe``: these are
messages about a person's accreditation, not a mailing list.
"""

from __future__ import annotations

import math
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid
from typing import Any, Protocol

from flask import render_template

from cpd_tracker.config import ConfigError
from cpd_tracker.problems import Problem


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: Flask-Mail's keys, read from the app's config."""

    server: str
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = ""
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings, or ``None`` when no ``MAIL_SERVER`` is set (reminders are then kept
        in the reminder log, not sent). The sender is ``CPD_MAIL_SENDER``, else
        ``MAIL_DEFAULT_SENDER``; a server without a sender is a configuration error."""
        server = config.get("MAIL_SERVER")
        if not server:
            return None
        sender = config.get("CPD_MAIL_SENDER") or config.get("MAIL_DEFAULT_SENDER")
        if isinstance(sender, (tuple, list)):
            sender = formataddr((str(sender[0]), str(sender[1])))
        if not sender:
            raise ConfigError([Problem(("CPD_MAIL_SENDER",), (
                "'CPD_MAIL_SENDER' is required here, as MAIL_SERVER is set: the address "
                "reminders come from (or Flask-Mail's MAIL_DEFAULT_SENDER)"))])
        try:
            port = int(config.get("MAIL_PORT") or 25)
        except (TypeError, ValueError):
            raise ConfigError([Problem(("MAIL_PORT",), (
                f"{config.get('MAIL_PORT')!r}: not a port number (such as 25 or 587)"))]) from None
        try:
            timeout = float(config.get("MAIL_TIMEOUT") or 30)
        except (TypeError, ValueError):
            timeout = math.nan
        if not 0 < timeout <= 600:
            raise ConfigError([Problem(("MAIL_TIMEOUT",), (
                f"{config.get('MAIL_TIMEOUT')!r}: not a number of seconds from 1 to 600"))])
        return cls(server=str(server), port=port, use_tls=_flag(config, "MAIL_USE_TLS"),
                   use_ssl=_flag(config, "MAIL_USE_SSL"),
                   username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
                   sender=str(sender), timeout=timeout)


def _flag(config: Mapping[str, Any], key: str) -> bool:
    """A yes/no mail setting: a bool, or the words an environment variable carries
    (``"false"`` is no, not a non-empty string that counts as yes)."""
    value = config.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    words = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False, "": False}
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise ConfigError([Problem((key,), f"{value!r}: not yes or no (True or False)")])


class Transport(Protocol):
    """What sends a message (SMTP here; a host may pass its own, e.g. an HTTP mail API)."""

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


class SMTPTransport:
    """One SMTP connection for a run, opened when first needed. A failed send closes it, so
    the next message opens a fresh one (a server that dropped the connection is tried again
    for the next person, not given up on for the whole run)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except BaseException:
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.server, settings.port,
                                                  timeout=settings.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
            if settings.use_tls:
                smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def reminder_message(*, sender: str, name: str, email: str, items: Sequence[Any],
                     lms_home_page: str) -> Message:
    """One message to one person with every reminder due to them in this run.

    ``items`` are reminders (``title``, ``lines``, ``link``, ``kind``); the bodies come from
    ``cpd_tracker/mail/reminders.txt`` and ``.html``, which a host overrides by putting its own
    under the same names in its templates folder.
    """
    subject = (items[0].title if len(items) == 1
               else f"Your CPD records: {len(items)} reminders")
    context = {"name": name, "items": items, "lms_home_page": lms_home_page,
               "subject": subject}
    # The classic MIME classes: the same message as EmailMessage builds, several times
    # faster to build, which a run of tens of thousands of messages notices.
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = sender
    message["To"] = formataddr((name, email))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.attach(MIMEText(render_template("cpd_tracker/mail/reminders.txt", **context),
                            "plain", "utf-8"))
    message.attach(MIMEText(render_template("cpd_tracker/mail/reminders.html", **context),
                            "html", "utf-8"))
    return message
