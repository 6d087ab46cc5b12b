"""Staff read calls in the browser: the list at /calls/ and each call's transcript page."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from xml.etree import ElementTree

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import AsyncRequestFactory, Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from twilio.request_validator import RequestValidator

from calls.models import Call, CallEvent, Turn, TurnRole, TurnSource
from calls.staff import staff_required
from profiles.models import PhoneProfile
from tests.calls.conftest import AUTH_TOKEN, PUBLIC
from tests.calls.relay import Twilio, setup_frame
from tests.conftest import STAFF_PASSWORD
from tests.twilio_recordings import recorded_webhook

SID = "CA" + "a" * 32
DEMO_NUMBER = "+15550100000"


def make_call(profile, sid: str = SID, **fields) -> Call:
    fields.setdefault("started_at", timezone.now() - timedelta(minutes=5))
    fields.setdefault("from_number", "+15557770001")
    fields.setdefault("to_number", profile.number if profile else "+15550100009")
    return Call.objects.create(call_sid=sid, profile=profile, **fields)


def finished(profile, sid: str = SID, *, end_reason: str = "goodbye", **fields) -> Call:
    started = fields.pop("started_at", timezone.now() - timedelta(minutes=5))
    return make_call(
        profile,
        sid,
        started_at=started,
        ended_at=started + timedelta(seconds=95),
        duration_seconds=95,
        status="completed",
        end_reason=end_reason,
        **fields,
    )


def say(call: Call, sequence: int, role: str, text: str, **fields) -> Turn:
    fields.setdefault("source", TurnSource.SPEECH if role == TurnRole.CALLER else TurnSource.LLM)
    return Turn.objects.create(call=call, sequence=sequence, role=role, text=text, **fields)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def sids_on(html: str) -> list[str]:
    """The call SIDs the list links to, in the order shown."""
    return re.findall(r'href="/calls/(CA\w+)/"', html)


# --- Who may see the pages -------------------------------------------------------------------


@pytest.fixture
def any_call(profile):
    return finished(profile)


PAGES = ["/calls/", f"/calls/{SID}/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, any_call, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_a_logged_in_user_who_is_not_staff_is_refused(client, outsider_user, any_call, path):
    client.force_login(outsider_user)
    response = client.get(path)
    assert response.status_code == 403
    assert "Staff only" in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_staff_see_the_pages(staff_client, any_call, path):
    assert staff_client.get(path).status_code == 200


def test_the_home_page_leads_to_the_calls(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/calls/"


def test_staff_log_in_with_the_form_and_land_on_the_calls(client, staff_user):
    assert "Log in" in page(client.get("/login/"))
    response = client.post("/login/", {"username": "sam", "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/calls/"
    assert client.get("/calls/").status_code == 200


def test_a_wrong_password_is_refused_on_the_login_page(client, staff_user):
    html = page(client.post("/login/", {"username": "sam", "password": "wrong"}))
    assert "enter a correct username and password" in html
    assert client.get("/calls/").status_code == 302


def test_after_login_staff_return_to_the_page_they_asked_for(client, staff_user, any_call):
    response = client.post(
        "/login/", {"username": "sam", "password": STAFF_PASSWORD, "next": f"/calls/{SID}/"}
    )
    assert response["Location"] == f"/calls/{SID}/"


def test_the_top_bar_names_the_user_links_every_section_and_logs_out_by_post(staff_client):
    html = page(staff_client.get("/calls/"))
    for href in ("/calls/", "/calls/live/", "/simulator/", "/admin/", "/api/docs/"):
        assert f'href="{href}"' in html
    assert ">sam<" in html
    assert re.search(r'<form method="post" action="/logout/">', html)
    assert staff_client.get("/logout/").status_code == 405  # never by a link
    response = staff_client.post("/logout/")
    assert response["Location"] == "/login/"
    assert staff_client.get("/calls/").status_code == 302


def test_the_stylesheet_is_served_from_static_files(staff_client):
    html = page(staff_client.get("/calls/"))
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    css = b"".join(staff_client.get(href).streaming_content)
    assert b".turn--caller" in css


@pytest.mark.asyncio
async def test_the_staff_check_also_guards_async_views(staff_user, outsider_user):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    @staff_required
    async def view(request):
        return "the page"

    def request_as(user):
        request = AsyncRequestFactory().get("/simulator/")

        async def auser():
            return user

        request.user, request.auser = user, auser
        return request

    assert await view(request_as(staff_user)) == "the page"
    with pytest.raises(PermissionDenied):
        await view(request_as(outsider_user))
    response = await view(request_as(AnonymousUser()))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- The list --------------------------------------------------------------------------------


@pytest.fixture
def other_profile(db):
    return PhoneProfile.objects.create(number="+15550100002", name="Corner Bakery")


def test_calls_are_listed_newest_first_with_their_details(staff_client, profile):
    now = timezone.now()
    oldest = finished(profile, "CA" + "1" * 32, started_at=now - timedelta(days=2))
    newest = make_call(profile, "CA" + "3" * 32, started_at=now - timedelta(minutes=1))
    middle = finished(
        profile,
        "CA" + "2" * 32,
        started_at=now - timedelta(hours=3),
        end_reason="live_agent_request",
        from_number="+15557770042",
        simulated=True,
    )
    say(middle, 1, TurnRole.CALLER, "Can I talk to someone?")
    say(middle, 2, TurnRole.ASSISTANT, "Connecting you now.", source=TurnSource.RULE)
    say(middle, 3, TurnRole.SYSTEM, "handoff: live_agent_request", source=TurnSource.SYSTEM)

    html = page(staff_client.get("/calls/"))

    assert sids_on(html) == [newest.call_sid, middle.call_sid, oldest.call_sid]
    for heading in ("Number called", "Profile", "Caller", "Started", "Duration", "Outcome"):
        assert heading in html
    row = html[html.index(middle.call_sid) : html.index(oldest.call_sid)]
    assert profile.number in row and "Bright Smile Dental" in row
    assert "+15557770042" in row
    assert "1:35" in row  # duration
    assert "Transferred" in row
    assert '<td class="num">2</td>' in row  # caller and assistant turns; the note is not one
    assert "simulated" in row
    newest_row = html[html.index(newest.call_sid) : html.index(middle.call_sid)]
    assert "In progress" in newest_row
    assert "simulated" not in newest_row


def test_staff_filter_by_profile(staff_client, profile, other_profile):
    mine = finished(profile, "CA" + "1" * 32)
    theirs = finished(other_profile, "CA" + "2" * 32)
    html = page(staff_client.get("/calls/", {"profile": other_profile.pk}))
    assert sids_on(html) == [theirs.call_sid]
    assert mine.call_sid not in html


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("goodbye", "bye"),
        ("transferred", "transfer"),
        ("failed", "failed"),
        ("in_progress", "live"),
    ],
)
def test_staff_filter_by_outcome(staff_client, profile, outcome, expected):
    calls = {
        "bye": finished(profile, "CA" + "1" * 32, end_reason="goodbye"),
        "transfer": finished(profile, "CA" + "2" * 32, end_reason="transferred"),
        "failed": finished(profile, "CA" + "3" * 32, end_reason="failed"),
        "live": make_call(profile, "CA" + "4" * 32, status="in-progress"),
        "done": finished(profile, "CA" + "5" * 32, end_reason="completed"),
    }
    html = page(staff_client.get("/calls/", {"outcome": outcome}))
    assert sids_on(html) == [calls[expected].call_sid]


def test_staff_filter_by_dates_both_days_included(staff_client, profile):
    def on(day: int, hour: int) -> datetime:
        return datetime(2026, 3, day, hour, 30, tzinfo=UTC)

    before = finished(profile, "CA" + "1" * 32, started_at=on(9, 23))
    first_day = finished(profile, "CA" + "2" * 32, started_at=on(10, 0))
    last_day = finished(profile, "CA" + "3" * 32, started_at=on(12, 23))
    after = finished(profile, "CA" + "4" * 32, started_at=on(13, 0))

    html = page(staff_client.get("/calls/", {"date_from": "2026-03-10", "date_to": "2026-03-12"}))
    assert sids_on(html) == [last_day.call_sid, first_day.call_sid]
    html = page(staff_client.get("/calls/", {"date_from": "2026-03-13"}))
    assert sids_on(html) == [after.call_sid]
    html = page(staff_client.get("/calls/", {"date_to": "2026-03-09"}))
    assert sids_on(html) == [before.call_sid]


def test_a_date_range_that_ends_before_it_starts_is_pointed_out(staff_client, profile):
    finished(profile)
    html = page(staff_client.get("/calls/", {"date_from": "2026-03-12", "date_to": "2026-03-10"}))
    assert "Must be on or after the start date." in html


def test_staff_search_in_what_was_said_ignoring_case(staff_client, profile):
    insurance = finished(profile, "CA" + "1" * 32)
    say(insurance, 1, TurnRole.CALLER, "Do you take Delta Dental insurance?")
    say(insurance, 2, TurnRole.ASSISTANT, "Yes, we accept it.")
    hours = finished(profile, "CA" + "2" * 32)
    say(hours, 1, TurnRole.CALLER, "When do you open?")
    say(hours, 2, TurnRole.ASSISTANT, "At eight, and our insurance desk at nine.")
    finished(profile, "CA" + "3" * 32)

    assert sids_on(page(staff_client.get("/calls/", {"said": "delta DENTAL"}))) == [
        insurance.call_sid
    ]
    # What the assistant said counts too; a call matching in two turns is listed once.
    both = sids_on(page(staff_client.get("/calls/", {"said": "Insurance"})))
    assert sorted(both) == sorted([insurance.call_sid, hours.call_sid])
    html = page(staff_client.get("/calls/", {"said": "parking"}))
    assert sids_on(html) == []
    assert "No call matches these filters." in html


def test_staff_show_only_simulated_or_only_real_calls(staff_client, profile):
    real = finished(profile, "CA" + "1" * 32)
    simulated = finished(profile, "CA" + "2" * 32, simulated=True)
    assert sids_on(page(staff_client.get("/calls/", {"simulated": "simulated"}))) == [
        simulated.call_sid
    ]
    assert sids_on(page(staff_client.get("/calls/", {"simulated": "real"}))) == [real.call_sid]


def test_the_list_shows_25_calls_a_page_and_page_links_keep_the_filters(staff_client, profile):
    start = timezone.now() - timedelta(days=1)
    sids = [
        finished(profile, f"CA{n:032d}", started_at=start + timedelta(minutes=n)).call_sid
        for n in range(30)
    ]
    newest_first = sids[::-1]

    first = page(staff_client.get("/calls/", {"outcome": "goodbye"}))
    assert sids_on(first) == newest_first[:25]
    assert "Page 1 of 2" in first
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert next_link == "outcome=goodbye&page=2"

    second = page(staff_client.get(f"/calls/?{next_link}"))
    assert sids_on(second) == newest_first[25:]
    assert 'rel="next"' not in second


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client.get(path))
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_or_30_calls(staff_client, profile, other_profile):
    def add_calls(first: int, last: int) -> None:
        for n in range(first, last):
            call = finished(profile if n % 2 else other_profile, f"CA{n:032d}")
            for sequence in range(1, 4):
                say(call, sequence, TurnRole.CALLER, f"question {sequence}")

    add_calls(0, 3)
    few = count_queries(staff_client, "/calls/")
    add_calls(3, 30)
    assert count_queries(staff_client, "/calls/") == few
    filtered = "/calls/?said=question&outcome=goodbye&profile=" + str(profile.pk)
    assert count_queries(staff_client, filtered) == few + 1  # the profile filter is checked


# --- One call --------------------------------------------------------------------------------


@pytest.fixture
def conversation(profile):
    """A finished call with one of each kind of turn."""
    call = finished(
        profile,
        end_reason="live_agent_request",
        handoff_data={"reasonCode": "live_agent_request", "reason": "The caller asked."},
    )
    at = call.started_at
    turns = [
        dict(
            role=TurnRole.ASSISTANT,
            source=TurnSource.SYSTEM,
            text="Hello, Bright Smile Dental. How can I help?",
        ),
        dict(role=TurnRole.CALLER, text="When do you close on Monday?"),
        dict(
            role=TurnRole.ASSISTANT,
            source=TurnSource.KNOWLEDGE,
            text="We open at eight and close at six.",
            text_heard="We open at eight",
            interrupted=True,
            ms_to_first_text=310,
            ms_to_last_text=980,
            knowledge=[
                {
                    "chunk": 11,
                    "document": "Opening hours",
                    "heading": "Weekdays",
                    "score": 0.03279,
                    "similarity": 0.8123,
                }
            ],
        ),
        dict(role=TurnRole.SYSTEM, source=TurnSource.SYSTEM, text="language: es-US"),
        dict(role=TurnRole.CALLER, source=TurnSource.DTMF, text="4821"),
        dict(
            role=TurnRole.ASSISTANT,
            source=TurnSource.LLM,
            text="Su cita es el martes a las diez.",
            text_heard="Tu cita",
            interrupted=True,
            ms_to_first_text=450,
            ms_to_last_text=1600,
            error="fallback model used: primary timed out",
        ),
        dict(
            role=TurnRole.ASSISTANT,
            source=TurnSource.STAFF,
            staff_name="Maria Lopez",
            text="Hi, this is Maria from the front desk.",
        ),
        dict(role=TurnRole.SYSTEM, source=TurnSource.SYSTEM, text="handoff: live_agent_request"),
    ]
    for sequence, fields in enumerate(turns, start=1):
        turn = Turn.objects.create(call=call, sequence=sequence, **fields)
        Turn.objects.filter(pk=turn.pk).update(created_at=at + timedelta(seconds=5 * sequence))
    CallEvent.objects.create(
        call=call,
        direction="in",
        type="prompt",
        payload={"type": "prompt", "voicePrompt": "When do you close on Monday?", "last": True},
        created_at=at + timedelta(seconds=9),
    )
    CallEvent.objects.create(
        call=call,
        direction="out",
        type="end",
        payload={"type": "end", "handoffData": "{}"},
        created_at=at + timedelta(seconds=40),
    )
    return call


def detail(client, call: Call):
    return client.get(f"/calls/{call.call_sid}/")


def test_the_conversation_reads_as_a_chat_in_order(staff_client, conversation):
    response = detail(staff_client, conversation)
    html = page(response)
    ids = re.findall(r'id="turn-(\d+)"', html)
    assert ids == [str(n) for n in range(1, 9)]
    turns_at = html.index('id="turns"')
    assert turns_at < html.index('id="turn-1"')
    assert re.search(r'id="turn-2" class="turn turn--caller"', html)
    assert re.search(r'id="turn-3" class="turn turn--assistant"', html)
    assert re.search(r'id="turn-4" class="turn turn--system"', html)
    assert "language: es-US" in html
    # Each turn shows its time.
    second = conversation.started_at + timedelta(seconds=10)
    assert f'datetime="{second.isoformat()}"' in html
    assert response.context["call"].outcome == "transferred"
    assert [t.sequence for t in response.context["turns"]] == list(range(1, 9))


def test_an_interrupted_answer_shows_what_was_heard_and_strikes_through_the_rest(
    staff_client, conversation
):
    html = page(detail(staff_client, conversation))
    assert re.search(r"We open at eight<del[^>]*> and close at six\.</del>", html)
    # What was heard is not how the answer began: all of the answer is struck through.
    assert re.search(r"Tu cita<del[^>]*>Su cita es el martes a las diez\.</del>", html)


def test_keypad_entries_show_as_keys(staff_client, conversation):
    html = page(detail(staff_client, conversation))
    assert "<kbd>4</kbd><kbd>8</kbd><kbd>2</kbd><kbd>1</kbd>" in html
    assert "keypad" in html


def test_a_staff_members_turn_carries_their_name(staff_client, conversation):
    html = page(detail(staff_client, conversation))
    staff_turn = html[html.index('id="turn-7"') : html.index('id="turn-8"')]
    assert "turn--staff" in staff_turn
    assert "Maria Lopez" in staff_turn
    assert "Hi, this is Maria from the front desk." in staff_turn


def test_each_answer_shows_its_latency_passages_and_errors(staff_client, conversation):
    html = page(detail(staff_client, conversation))
    answer = html[html.index('id="turn-3"') : html.index('id="turn-4"')]
    assert "first word 310 ms" in answer and "total 980 ms" in answer
    assert re.search(r"<details class=\"turn__knowledge\">\s*<summary>1 knowledge passage<", answer)
    assert "Opening hours" in answer and "Weekdays" in answer and "0.03279" in answer
    failed = html[html.index('id="turn-6"') : html.index('id="turn-7"')]
    assert "fallback model used: primary timed out" in failed


def test_a_latency_chart_draws_one_pair_of_bars_per_timed_answer(staff_client, conversation):
    html = page(detail(staff_client, conversation))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="latency__first"') == 2
    assert svg.count('class="latency__total"') == 2
    assert "Turn 3, first word 310 ms, total 980 ms" in svg
    assert ">2 s<" in svg  # the y axis covers the slowest answer (1.6 s)


def test_the_header_shows_how_the_call_ended(staff_client, conversation):
    html = page(detail(staff_client, conversation))
    facts = html[html.index('aria-label="Call details"') : html.index('id="turns"')]
    assert "live_agent_request" in facts
    assert "The caller asked." in facts  # handoff data
    assert "Completed" in facts  # status
    assert "1:35" in facts
    assert "Bright Smile Dental" in facts


def test_the_raw_protocol_log_is_folded_at_the_bottom(staff_client, conversation):
    html = page(detail(staff_client, conversation))
    log = html[html.index('<details class="card protocol">') :]
    assert html.index('id="turns"') < html.index('<details class="card protocol">')
    assert "2 messages" in log
    assert "from Twilio" in log and "to Twilio" in log
    assert "&quot;voicePrompt&quot;: &quot;When do you close on Monday?&quot;" in log
    prompt_at = timezone.localtime(conversation.started_at + timedelta(seconds=9))
    assert f"{prompt_at:%H:%M:%S}.{prompt_at.microsecond // 1000:03}</time>" in log
    assert log.index(">prompt<") < log.index(">end<")


def test_the_summary_comes_first_with_where_it_came_from(staff_client, conversation):
    conversation.summary = {
        "reason": "Asked about Monday hours.",
        "outcome": "Transferred to the front desk.",
        "follow_up": "",
    }
    conversation.summary_source = "llm"
    conversation.save()
    html = page(detail(staff_client, conversation))
    summary = html[html.index('id="summary-title"') : html.index('id="turns"')]
    assert "Asked about Monday hours." in summary
    assert "Transferred to the front desk." in summary
    assert "Written by the LLM" in summary
    assert html.index('id="summary-title"') < html.index('aria-label="Call details"')


def test_an_ended_call_without_a_summary_says_it_is_pending(staff_client, conversation):
    assert "Summary pending" in page(detail(staff_client, conversation))


def test_a_call_in_progress_has_no_summary_and_gets_the_live_monitor(staff_client, profile):
    call = make_call(profile, status="in-progress")
    say(call, 1, TurnRole.CALLER, "Hello?")
    response = detail(staff_client, call)
    html = page(response)
    assert "Summary" not in html
    assert "calls/_live_monitor.html" in [t.name for t in response.templates]

    call.status, call.ended_at, call.end_reason = "completed", timezone.now(), "completed"
    call.save()
    response = detail(staff_client, call)
    assert "calls/_live_monitor.html" not in [t.name for t in response.templates]


def test_a_call_with_no_profile_or_turns_still_reads(staff_client):
    call = make_call(None, status="failed", end_reason="unknown_number")
    html = page(detail(staff_client, call))
    assert "no profile for this number" in html
    assert "Nothing has been said yet." in html
    assert "<svg" not in html


def test_an_unknown_call_is_not_found(staff_client, any_call):
    assert staff_client.get("/calls/CA" + "f" * 32 + "/").status_code == 404


def test_the_call_page_costs_the_same_queries_however_long_the_call(staff_client, profile):
    call = finished(profile)
    for sequence in range(1, 3):
        say(call, sequence, TurnRole.CALLER, "hi", knowledge=[{"document": "Hours"}])
    CallEvent.objects.create(call=call, direction="in", type="prompt", payload={})
    short = count_queries(staff_client, f"/calls/{call.call_sid}/")
    for sequence in range(3, 40):
        say(call, sequence, TurnRole.ASSISTANT, "answer", ms_to_first_text=sequence * 10)
        CallEvent.objects.create(call=call, direction="out", type="text", payload={"token": "x"})
    assert count_queries(staff_client, f"/calls/{call.call_sid}/") == short


def test_a_turn_renders_alone_from_its_own_fields():
    """The live monitor renders turns as they happen, before they are saved. No database here:
    a query (a relation followed) would fail the test."""
    turn = Turn(
        sequence=12,
        role=TurnRole.ASSISTANT,
        source=TurnSource.LLM,
        text="We close at six.",
        ms_to_first_text=200,
    )
    html = render_to_string("calls/_turn.html", {"turn": turn})
    assert re.match(r'\s*<article id="turn-12"', html)
    assert "We close at six." in html and "first word 200 ms" in html
    assert "<time" not in html  # not saved yet: no time


# --- The demo --------------------------------------------------------------------------------


@database_sync_to_async
def start_demo_call(call_sid: str) -> dict:
    """The voice webhook for a call to the demo clinic; the session parameters of its TwiML."""
    form = {**recorded_webhook("interrupt", "/voice"), "CallSid": call_sid, "To": DEMO_NUMBER}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}/twilio/voice/", form)
    response = Client().post("/twilio/voice/", form, HTTP_X_TWILIO_SIGNATURE=signature)
    document = ElementTree.fromstring(response.content)
    return {p.get("name"): p.get("value") for p in document.iter("Parameter")}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_call_to_the_demo_clinic_reads_on_the_staff_pages(
    twilio_settings, settings, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STAFF_PASSWORD)
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    settings.OPENAI_API_KEY = ""  # the demo answers from its documents
    await database_sync_to_async(call_command)("seed_demo", stdout=StringIO())
    call_sid = "CA" + "d" * 32

    twilio = await Twilio.connect(setup=False)
    parameters = await start_demo_call(call_sid)
    await twilio.send(setup_frame(parameters, call_sid))
    await twilio.say("What time do you open on Monday?")
    await twilio.answer()
    await twilio.say("Goodbye!")
    await twilio.answer()
    await twilio.hang_up()

    def staff_pages() -> tuple[str, str]:
        client = Client()
        assert client.login(username="admin", password=STAFF_PASSWORD)
        return page(client.get("/calls/")), page(client.get(f"/calls/{call_sid}/"))

    listing, transcript = await database_sync_to_async(staff_pages)()
    assert sids_on(listing) == [call_sid]
    assert "Bright Smile Dental" in listing
    assert "What time do you open on Monday?" in transcript
    assert "8:00 a.m." in transcript  # the answer, from the demo documents
    assert "Opening hours" in transcript  # the passage it came from
    assert "<svg" in transcript
    assert "&quot;type&quot;: &quot;setup&quot;" in transcript  # the protocol log
    # Credentials stay out of it: the relay session token and the CallToken of the webhook.
    assert parameters["session"] not in transcript
    assert "&quot;session&quot;: &quot;[redacted]&quot;" in transcript
    assert "&quot;CallToken&quot;: &quot;[redacted]&quot;" in transcript


def test_a_call_page_shows_its_workflows_and_what_they_collected(staff_client, profile):
    from calls.models import WorkflowRun

    call = finished(profile)
    WorkflowRun.objects.create(
        call=call,
        workflow_name="Book an appointment",
        status="completed",
        step="booked",
        slots={"name": "Ana Ruiz", "day": "2026-12-08", "booking_reference": "BSD-0042"},
        finished_at=timezone.now(),
    )
    html = page(staff_client.get(f"/calls/{call.call_sid}/"))
    assert "Book an appointment" in html
    assert "Completed" in html and "Ended at step booked" in html
    for shown in ("booking_reference", "BSD-0042", "Ana Ruiz"):
        assert shown in html
    api = staff_client.get(f"/api/calls/{call.call_sid}/").json()
    assert api["workflow_runs"][0]["slots"]["booking_reference"] == "BSD-0042"
    assert api["workflow_runs"][0]["status"] == "completed"
