from django.contrib import admin
from django.urls import include, path

from voiceai import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("voiceai.api_urls")),
    # Log in and out of the browsable API (staff can also log in at /admin/).
    path("api/auth/", include("rest_framework.urls")),
    path("", include("calls.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
