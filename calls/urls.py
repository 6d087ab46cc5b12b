from django.urls import path

from calls import views

app_name = "calls"

urlpatterns = [
    path("twilio/voice/", views.voice, name="twilio-voice"),
    path("twilio/relay-action/", views.relay_action, name="twilio-relay-action"),
    path("twilio/gather/", views.gather, name="twilio-gather"),
    path("twilio/status/", views.status, name="twilio-status"),
]
