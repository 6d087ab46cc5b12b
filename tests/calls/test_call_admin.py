"""Calls, turns and protocol events are records: staff read them in the admin, never edit them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Call, CallEvent, Turn, TurnRole, TurnSource
from profiles.models import PhoneProfile


@pytest.fixture
def finished_call(db):
    profile = PhoneProfile.objects.create(number="+15550100000", name="Bright Smile Dental")
    started = timezone.now() - timedelta(minutes=3)
    call = Call.objects.create(
        call_sid="CA00000000000000000000000000000001",
        profile=profile,
        from_number="+15550100001",
        to_number="+15550100000",
        direction="inbound",
        status="completed",
        started_at=started,
        ended_at=started + timedelta(seconds=95),
        duration_seconds=95,
        end_reason="goodbye",
    )
    Turn.objects.create(
        call=call, sequence=1, role=TurnRole.CALLER, source=TurnSource.SPEECH, text="Hours?"
    )
    Turn.objects.create(
        call=call,
        sequence=2,
        role=TurnRole.ASSISTANT,
        source=TurnSource.KNOWLEDGE,
        text="We open at eight and close at six.",
        text_heard="We open at eight",
        interrupted=True,
        ms_to_first_text=180,
    )
    CallEvent.objects.create(call=call, direction="in", type="prompt", payload={"last": True})
    return call


def test_staff_see_calls_with_their_turn_counts(staff_client, finished_call):
    page = staff_client.get("/admin/calls/call/").content.decode()
    assert finished_call.call_sid in page
    assert "Bright Smile Dental" in page
    assert '<td class="field-turn_count">2</td>' in page


def test_the_call_list_costs_the_same_queries_for_one_call_or_many(staff_client, finished_call):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get("/admin/calls/call/").status_code == 200
        return len(queries)

    one = count_queries()
    for n in range(2, 12):
        Call.objects.create(
            call_sid=f"CA{n:032d}",
            profile=finished_call.profile,
            started_at=timezone.now(),
        )
    assert count_queries() == one


def test_staff_find_a_call_by_what_was_said(staff_client, finished_call):
    page = staff_client.get("/admin/calls/call/", {"q": "close at six"}).content.decode()
    assert finished_call.call_sid in page


def test_a_call_page_shows_its_turns_read_only(staff_client, finished_call):
    response = staff_client.get(f"/admin/calls/call/{finished_call.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "We open at eight and close at six." in page
    assert 'name="_save"' not in page


@pytest.mark.parametrize("model", ["call", "turn", "callevent"])
def test_records_cannot_be_added_or_changed(staff_client, finished_call, model):
    assert staff_client.get(f"/admin/calls/{model}/add/").status_code == 403
    pk = {"call": finished_call.pk, "turn": Turn.objects.first().pk}.get(
        model, CallEvent.objects.first().pk
    )
    response = staff_client.post(f"/admin/calls/{model}/{pk}/change/", {})
    assert response.status_code == 403
