"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the e-mail tests; the fixtures that
point the app at it are in conftest.py."""

import asyncio
import email
import socket
import warnings
from email.policy import default as default_policy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """aiosmtpd handler: keeps what the server received."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [
            email.message_from_bytes(e.original_content, policy=default_policy)
            for e in self.envelopes
        ]


class SMTPServer:
    """A real SMTP server on 127.0.0.1, started on demand (the failure test starts it late)."""

    def __init__(self):
        self.port = free_port()
        self.handler = Collector()
        self._controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        with warnings.catch_warnings():
            # aiosmtpd's own start-up may use deprecated asyncio APIs; not our code.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self):
        if self._controller is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._controller.stop()
            self._controller = None


class SlowCollector(Collector):
    """A server that takes its time to accept the message, as a busy one does."""

    delay = 1.5

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)
