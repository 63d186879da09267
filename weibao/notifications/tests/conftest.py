"""Real peers for the notification tests: an SMTP server (aiosmtpd) and an HTTP receiver standing
(https) in for WeCom and DingTalk, both on 127.0.0.1 in this process."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from weibao.accounts.choices import Role
from weibao.testing.factories import member
from weibao.testing.tls import localhost_certificate, server_context


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        # Django folds a long encoded subject onto a continuation line; mail clients trim it.
        return str(self.message["Subject"]).strip()

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class _SmtpHandler:
    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    handler = _SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "weibao@hospital.test"
    try:
        yield handler
    finally:
        controller.stop()


@dataclass
class RobotRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class RobotReceiver:
    """Answers each POST with the next queued reply, then with ``{"errcode": 0}``."""

    base_url: str = ""
    requests: list[RobotRequest] = field(default_factory=list)
    replies: deque = field(default_factory=deque)

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.replies.append((status, body, headers or {}))

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def robot_receiver(settings):
    receiver = RobotReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            try:
                body = json.loads(raw.decode())
            except ValueError:
                body = raw
            receiver.requests.append(
                RobotRequest(parts.path, parse_qs(parts.query), dict(self.headers), body)
            )
            status, reply, headers = (
                receiver.replies.popleft() if receiver.replies else (200, {"errcode": 0, "errmsg": "ok"}, {})
            )
            data = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # Robots post over https only: the receiver has a certificate the sender is told to trust.
    server.socket = server_context().wrap_socket(server.socket, server_side=True)
    settings.WEIBAO_ROBOT_CA_FILE = str(localhost_certificate()[0])
    receiver.base_url = f"https://127.0.0.1:{server.server_address[1]}"
    # The receiver stands in for WeCom and DingTalk: its address is the one allowed besides theirs.
    settings.WEIBAO_ROBOT_HOSTS = [*settings.WEIBAO_ROBOT_HOSTS, f"127.0.0.1:{server.server_address[1]}"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def huey_queue():
    """The in-memory huey of immediate mode: tasks scheduled for later (retries) wait here."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    yield HUEY
    HUEY.flush()


@pytest.fixture
def admin(hospital):
    return member(hospital, Role.HOSPITAL_ADMIN, email="xinxike@hospital.test")
