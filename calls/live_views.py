"""Staff pages that work on calls as they happen: the live list and the browser simulator."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from calls.selectors import calls_live
from calls.simulator import simulated_call_start
from calls.staff import staff_required
from profiles.models import PhoneProfile


@staff_required
def live_calls(request: HttpRequest) -> HttpResponse:
    """Calls going on now; `?fragment=1` returns only the rows, for the page to refresh."""
    template = "calls/_live_rows.html" if request.GET.get("fragment") else "calls/live.html"
    return render(request, template, {"calls": calls_live()})


@staff_required
def simulator(request: HttpRequest) -> HttpResponse:
    profiles = PhoneProfile.objects.filter(is_active=True).order_by("name")
    return render(request, "calls/simulator.html", {"profiles": profiles})


@staff_required
@require_POST
def simulator_call_start(request: HttpRequest) -> JsonResponse:
    """Start a simulated call: the browser gets the `setup` frame to open `/ws/relay/` with."""
    profile_id = request.POST.get("profile", "")
    if not profile_id.isdigit():
        return JsonResponse({"error": "Choose a profile."}, status=400)
    profile = get_object_or_404(PhoneProfile, pk=int(profile_id), is_active=True)
    started = simulated_call_start(profile=profile, staff_username=request.user.get_username())
    return JsonResponse(
        {
            "callSid": started.call.call_sid,
            "setup": started.setup,
            "greeting": started.greeting,
            "language": started.language,
            "transcriptUrl": reverse("calls:detail", args=[started.call.call_sid]),
        },
        status=201,
    )
