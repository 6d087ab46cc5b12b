from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from profiles import views as profile_views
from voiceai import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="calls:list"), name="home"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("voiceai.api_urls")),
    # Log in and out of the browsable API (staff can also log in at /admin/).
    path("api/auth/", include("rest_framework.urls")),
    # The demo clinic's stand-in booking system, called by its booking workflow.
    path("demo/bookings/", profile_views.demo_booking, name="demo-booking"),
    path("", include("calls.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
