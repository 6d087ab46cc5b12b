"""Staff read calls and their transcripts through the API, and find them by filters."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import CallEvent, CallOutcome, Turn, TurnRole, TurnSource
from profiles.models import PhoneProfile
from tests.api.conftest import make_call


def sids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [call["call_sid"] for call in response.json()["results"]]


def test_the_list_shows_calls_newest_first_with_outcome_and_turn_count(staff, profile):
    older = make_call(
        profile, 1, said=("Hours?",), days_ago=2, end_reason="goodbye", status="completed"
    )
    newer = make_call(profile, 2, said=("Hi", "A person please"), end_reason="live_agent_request")
    data = staff.get("/api/calls/").json()
    assert data["count"] == 2
    first, second = data["results"]
    assert (first["call_sid"], second["call_sid"]) == (newer.call_sid, older.call_sid)
    assert (first["outcome"], second["outcome"]) == (CallOutcome.TRANSFERRED, CallOutcome.GOODBYE)
    assert (first["turn_count"], second["turn_count"]) == (4, 2)
    assert first["profile"] == profile.pk and first["profile_name"] == "Bright Smile Dental"
    assert "turns" not in first


def test_the_list_costs_the_same_queries_for_one_call_or_many(staff, profile):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/api/calls/").status_code == 200
        return len(queries)

    make_call(profile, 1, said=("Hours?",))
    one = count_queries()
    other = PhoneProfile.objects.create(number="+15550100200", name="Other line")
    for n in range(2, 12):
        make_call(other if n % 2 else profile, n, said=("Hi", "Bye"))
    make_call(None, 12)
    assert count_queries() == one


def test_a_call_shows_its_whole_transcript_and_summary(staff, profile):
    call = make_call(
        profile,
        1,
        end_reason="live_agent_request",
        ended_at=timezone.now(),
        handoff_data={"reason": "live_agent_request"},
        summary={"reason": "Hours", "outcome": "Answered", "follow_up": ""},
        summary_source="extractive",
        summarized_at=timezone.now(),
    )
    Turn.objects.create(
        call=call,
        sequence=2,
        role=TurnRole.ASSISTANT,
        source=TurnSource.KNOWLEDGE,
        text="We open at eight and close at six.",
        text_heard="We open at eight",
        interrupted=True,
        knowledge=[{"chunk": 7, "document": "Opening hours", "score": 0.03}],
        ms_to_first_text=180,
        ms_to_last_text=900,
    )
    Turn.objects.create(
        call=call,
        sequence=1,
        role=TurnRole.CALLER,
        source=TurnSource.SPEECH,
        text="When do you open?",
    )
    Turn.objects.create(
        call=call,
        sequence=3,
        role=TurnRole.ASSISTANT,
        source=TurnSource.STAFF,
        text="Let me put you through.",
        staff_name="sam",
    )
    CallEvent.objects.create(
        call=call, direction="in", type="setup", payload={"customParameters": {"token": "x"}}
    )

    response = staff.get(f"/api/calls/{call.call_sid}/")
    assert response.status_code == 200
    data = response.json()
    assert data["outcome"] == CallOutcome.TRANSFERRED
    assert data["summary"] == {"reason": "Hours", "outcome": "Answered", "follow_up": ""}
    assert data["summary_source"] == "extractive" and data["summarized_at"]
    assert data["handoff_data"] == {"reason": "live_agent_request"}
    assert data["turn_count"] == 3
    assert [turn["sequence"] for turn in data["turns"]] == [1, 2, 3]
    answer = data["turns"][1]
    assert answer["text"] == "We open at eight and close at six."
    assert answer["text_heard"] == "We open at eight" and answer["interrupted"] is True
    assert answer["knowledge"] == [{"chunk": 7, "document": "Opening hours", "score": 0.03}]
    assert (answer["ms_to_first_text"], answer["ms_to_last_text"]) == (180, 900)
    assert data["turns"][2]["staff_name"] == "sam"
    # The raw protocol log (session tokens, signatures) is not part of the API.
    assert "events" not in data and "token" not in response.content.decode()


def test_an_unknown_call_is_404(staff, profile):
    assert staff.get("/api/calls/CA-nope/").status_code == 404


def test_calls_are_read_only(staff, profile):
    call = make_call(profile, 1)
    assert staff.delete(f"/api/calls/{call.call_sid}/").status_code == 405
    assert (
        staff.patch(f"/api/calls/{call.call_sid}/", {"summary": {}}, format="json").status_code
        == 405
    )


def test_calls_are_found_by_profile(staff, profile):
    other = PhoneProfile.objects.create(number="+15550100200", name="Other line")
    mine = make_call(profile, 1)
    make_call(other, 2)
    assert sids(staff.get("/api/calls/", {"profile": profile.pk})) == [mine.call_sid]


def test_calls_are_found_by_outcome(staff, profile):
    make_call(profile, 1, end_reason="goodbye")
    failed = make_call(profile, 2, status="busy")
    ongoing = make_call(profile, 3)
    assert sids(staff.get("/api/calls/", {"outcome": "failed"})) == [failed.call_sid]
    assert sids(staff.get("/api/calls/", {"outcome": "in_progress"})) == [ongoing.call_sid]


def test_calls_are_found_by_the_day_they_started(staff, profile):
    make_call(profile, 1, days_ago=10)
    week = make_call(profile, 2, days_ago=5)
    today = make_call(profile, 3)
    since = (timezone.now() - timedelta(days=6)).date().isoformat()
    until = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert sids(staff.get("/api/calls/", {"started_from": since})) == [
        today.call_sid,
        week.call_sid,
    ]
    found = sids(staff.get("/api/calls/", {"started_from": since, "started_to": until}))
    assert found == [week.call_sid]


def test_simulated_calls_are_told_apart(staff, profile):
    phone = make_call(profile, 1)
    simulated = make_call(profile, 2, simulated=True)
    assert sids(staff.get("/api/calls/", {"simulated": "true"})) == [simulated.call_sid]
    assert sids(staff.get("/api/calls/", {"simulated": "false"})) == [phone.call_sid]


def test_calls_are_found_by_what_was_said_once_each(staff, profile):
    parking = make_call(profile, 1, said=("Is there PARKING?", "Where do I park? parking"))
    make_call(profile, 2, said=("When do you open?",))
    assert sids(staff.get("/api/calls/", {"q": "parking"})) == [parking.call_sid]
    assert staff.get("/api/calls/", {"q": "parking"}).json()["results"][0]["turn_count"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"outcome": "exploded"}, "outcome"),
        ({"started_from": "last tuesday"}, "started_from"),
        ({"profile": "999999"}, "profile"),
    ],
)
def test_a_filter_value_that_means_nothing_is_a_400(staff, profile, params, field):
    response = staff.get("/api/calls/", params)
    assert response.status_code == 400
    assert field in response.json()
