"""Faults around a call: the LLM failing in every way, the database going away and coming back,
a transcript row that cannot be stored. The call goes on and nothing that can be kept is lost."""

import asyncio
import time

import psycopg
import pytest
from channels.db import database_sync_to_async
from django.db import connection

from calls.models import Call, CallEvent, Turn, TurnRole
from calls.transcript import Transcript
from tests.calls.relay import Twilio, spoken_text
from tests.e2e.conftest import database_url

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def relay_ready(twilio_settings, profile, llm):
    twilio_settings.LLM_TIMEOUT_SECONDS = 1
    return llm


@database_sync_to_async
def turn_rows() -> list[Turn]:
    return list(Turn.objects.order_by("sequence"))


@pytest.mark.parametrize("fault", ["refused", "500", "stall", "cut"])
async def test_an_llm_fault_gets_a_localised_apology_in_time_and_the_call_goes_on(
    relay_ready, twilio_settings, fault
):
    if fault == "refused":
        twilio_settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens there
    elif fault == "500":
        relay_ready.reset(fail_with_status=500)
    elif fault == "stall":
        relay_ready.reset(stall=True)
    else:
        relay_ready.reset(reply="We open at eight and close at six.", cut_after_tokens=2)
    twilio = await Twilio.connect()
    asked = time.monotonic()
    await twilio.say("When do you open?")
    heard = spoken_text(await twilio.answer(timeout=5))
    assert time.monotonic() - asked < 1 + 1.5  # the timeout, and a margin for a loaded machine
    assert "trouble answering" in heard

    await twilio.send({"type": "prompt", "voicePrompt": "¿Hablan español?", "lang": "es-US"})
    await twilio.answer()  # the switch to Spanish
    await twilio.say("¿A qué hora abren?", lang="es-US")
    assert "problemas para responder" in spoken_text(await twilio.answer(timeout=5))
    await twilio.hang_up()
    errors = [t.error for t in await turn_rows() if t.role == TurnRole.ASSISTANT and t.error]
    assert len(errors) == 2


def _database_reachable(name: str, reachable: bool, spare_pid: int) -> None:
    """Refuse (or allow again) new connections to `name` and drop the open ones: to the
    server's clients, the database is down, as during a restart. The test's own connection
    (`spare_pid`, which the test framework needs to clean up) is left alone."""
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(reachable).lower()}')
        if not reachable:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s",
                [name, spare_pid],
            )


@pytest.fixture
def framework_connection_pid(relay_ready) -> int:
    """The test framework's own connection (it cleans the database up with it afterwards)."""
    connection.ensure_connection()
    return connection.connection.info.backend_pid


async def test_turns_said_while_the_database_is_down_are_written_when_it_is_back(
    relay_ready, framework_connection_pid
):
    name = connection.settings_dict["NAME"]
    test_pid = framework_connection_pid
    twilio = await Twilio.connect()
    await twilio.say("Hello!")
    await twilio.answer()
    await asyncio.sleep(0.7)  # written

    await asyncio.to_thread(_database_reachable, name, False, test_pid)
    try:
        for words in ("Thank you!", "Thanks a lot!"):
            await twilio.say(words)
            assert spoken_text(await twilio.answer())  # the call keeps answering
        await asyncio.sleep(1.2)  # flushes fail and keep their batch
    finally:
        await asyncio.to_thread(_database_reachable, name, True, test_pid)
    await asyncio.sleep(1.2)  # the next flush writes it
    await twilio.hang_up()

    said = [t.text for t in await turn_rows() if t.role == TurnRole.CALLER]
    assert said == ["Hello!", "Thank you!", "Thanks a lot!"]
    assert len([t for t in await turn_rows() if t.role == TurnRole.ASSISTANT]) >= 3


async def test_changes_to_a_turn_while_the_database_is_down_are_all_written(
    relay_ready, framework_connection_pid
):
    name = connection.settings_dict["NAME"]
    await Twilio.connect()  # a call to attach the transcript to
    call = await database_sync_to_async(Call.objects.get)()
    transcript = Transcript()
    transcript.attach(call, next_sequence=100)
    answer = transcript.turn(role=TurnRole.ASSISTANT, text="", language="en-US")
    await transcript.flush()  # written as the answer starts

    await asyncio.to_thread(_database_reachable, name, False, framework_connection_pid)
    try:
        answer.text = "We open at eight."
        transcript.turn_changed(answer, "text")
        await transcript.flush()  # fails: kept for the next try
        answer.ms_to_last_text = 420
        transcript.turn_changed(answer, "ms_to_last_text")
    finally:
        await asyncio.to_thread(_database_reachable, name, True, framework_connection_pid)
    await transcript.close()

    [row] = [t for t in await turn_rows() if t.sequence == 100]
    assert (row.text, row.ms_to_last_text) == ("We open at eight.", 420)


async def test_a_row_that_cannot_be_stored_does_not_take_the_others_with_it(relay_ready):
    await Twilio.connect()  # a call to attach the transcript to
    call = await database_sync_to_async(Call.objects.get)()
    transcript = Transcript()
    transcript.attach(call, next_sequence=100)
    transcript.turn(role=TurnRole.CALLER, text="kept before", language="en-US")
    transcript.turn(role=TurnRole.CALLER, text="unstorable", language="x" * 40)  # too long
    transcript.turn(role=TurnRole.CALLER, text="kept after", language="en-US")
    transcript.event("in", "prompt", {"voicePrompt": "kept"})
    await transcript.close()

    texts = [t.text for t in await turn_rows() if t.sequence >= 100]
    assert texts == ["kept before", "kept after"]
    assert await database_sync_to_async(
        CallEvent.objects.filter(type="prompt", payload__voicePrompt="kept").exists
    )()


async def test_nul_characters_in_frames_do_not_stop_the_transcript(relay_ready):
    relay_ready.reset(reply="We open at eight.")
    twilio = await Twilio.connect()
    await twilio.say("When\x00 do you open?")
    assert "eight" in spoken_text(await twilio.answer())
    await twilio.send({"type": "info", "name": "x\x00y", "value": "\x00"})
    await twilio.hang_up()
    said = [t.text for t in await turn_rows() if t.role == TurnRole.CALLER]
    assert said == ["When do you open?"]
