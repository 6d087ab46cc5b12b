from django.contrib import admin
from django.urls import include, path

from voiceai import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("calls.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
