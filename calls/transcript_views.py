"""Staff pages for reading calls: the list (/calls/) and one call's transcript (/calls/<sid>/)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from calls.forms import CallFilterForm
from calls.latency_chart import latency_chart, latency_points
from calls.selectors import call_for_staff, call_protocol_log, calls_for_staff
from calls.staff import staff_required

CALLS_PER_PAGE = 25
# A long call logs thousands of frames; past this, the rest are in the admin (Call events).
PROTOCOL_LOG_LIMIT = 2000


@staff_required
def call_list(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    filters = form.selector_filters() if form.is_bound else {}
    page = Paginator(calls_for_staff(**filters), CALLS_PER_PAGE).get_page(request.GET.get("page"))
    # Page links keep the filters.
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "calls/list.html",
        {"form": form, "page": page, "calls": page.object_list, "filter_query": query.urlencode()},
    )


@staff_required
def call_detail(request: HttpRequest, call_sid: str) -> HttpResponse:
    call = call_for_staff(call_sid=call_sid)
    if call is None:
        raise Http404("No call with this SID.")
    turns = list(call.turns.all())
    events, events_truncated = call_protocol_log(call=call, limit=PROTOCOL_LOG_LIMIT)
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "turns": turns,
            "events": events,
            "events_truncated": events_truncated,
            "latency_chart": latency_chart(latency_points(turns)),
        },
    )
