from django.urls import path

from calls import live_views, transcript_views, views

app_name = "calls"

urlpatterns = [
    path("twilio/voice/", views.voice, name="twilio-voice"),
    path("twilio/relay-action/", views.relay_action, name="twilio-relay-action"),
    path("twilio/gather/", views.gather, name="twilio-gather"),
    path("twilio/status/", views.status, name="twilio-status"),
    path("calls/live/", live_views.live_calls, name="live"),
    path("simulator/", live_views.simulator, name="simulator"),
    path("simulator/calls/", live_views.simulator_call_start, name="simulator-start"),
    path("calls/", transcript_views.call_list, name="list"),
    # Keep last: any fixed path under calls/ (calls/live/) must come before this catch-all.
    path("calls/<str:call_sid>/", transcript_views.call_detail, name="detail"),
]
