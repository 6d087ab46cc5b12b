"""Redis goes away during a call and comes back: the call goes on, the live monitor says it
lost its updates and catches up when Redis returns, and takeover works again."""

import asyncio
import shutil
import socket
import subprocess
import time

import pytest
from channels.layers import channel_layers

from tests.calls.browser import browser_socket, wait_for
from tests.calls.relay import Twilio, spoken_text
from tests.conftest import require_service

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

MONITOR = "/ws/calls/CA00000000000000000000000000000001/monitor/"


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test can stop and start."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def private_redis(settings):
    if shutil.which("redis-server") is None:
        require_service("redis-server", "the binary is not installed")
    redis = PrivateRedis()
    redis.start()
    settings.RELAY_GROUP_REJOIN_SECONDS = 1
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "voiceai.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{redis.port}/0"]},
        }
    }
    channel_layers.backends.clear()
    yield redis
    if redis.process.poll() is None:
        redis.stop()
    channel_layers.backends.clear()


def turn_with(text: str):
    return lambda message: message["type"] == "turn" and text in message["html"]


async def test_a_call_goes_on_without_redis_and_its_monitor_recovers(
    twilio_settings, profile, llm, staff_cookie, private_redis
):
    twilio = await Twilio.connect()
    monitor, connected = await browser_socket(MONITOR, cookie=staff_cookie)
    assert connected
    await twilio.say("Thank you!")
    await twilio.answer()
    await wait_for(monitor, turn_with("Thank you!"))

    await asyncio.to_thread(private_redis.stop)
    await twilio.say("Thanks a lot!")
    assert spoken_text(await twilio.answer())  # the call goes on
    lost = await wait_for(monitor, lambda m: m["type"] == "connection", timeout=8)
    assert lost == {"type": "connection", "ok": False}

    await asyncio.to_thread(private_redis.start)  # an empty Redis: every group is forgotten
    back = await wait_for(monitor, lambda m: m["type"] == "connection", timeout=8)
    assert back == {"type": "connection", "ok": True}
    await wait_for(monitor, turn_with("Thanks a lot!"))  # what it missed, from the database
    await twilio.say("Thank you so much!")
    await twilio.answer()
    await wait_for(monitor, turn_with("Thank you so much!"), timeout=8)  # live again

    await asyncio.sleep(1.5)  # the relay has rejoined its group too: takeover works again
    await monitor.send_json_to({"action": "say", "text": "Sam here, still with you."})
    assert (await twilio.frame(timeout=5))["token"] == "Sam here, still with you."
    await twilio.hang_up()
    await monitor.disconnect()
