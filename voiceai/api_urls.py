"""The REST API under /api/: the router of each app's viewsets, the OpenAPI schema and docs.

Wiring only: serializers and viewsets live in each app's `api.py`. Every view is staff-only
(settings.REST_FRAMEWORK and SPECTACULAR_SETTINGS).
"""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from calls.api import CallViewSet
from knowledge.api import DocumentViewSet, KnowledgeBaseViewSet
from profiles.api import ProfileViewSet, SearchViewSet

app_name = "api"

router = DefaultRouter()
router.register("profiles", ProfileViewSet, basename="profile")
router.register("calls", CallViewSet, basename="call")
router.register("knowledge-bases", KnowledgeBaseViewSet, basename="knowledge-base")
router.register("documents", DocumentViewSet, basename="document")
router.register("search", SearchViewSet, basename="search")

_swagger = SpectacularSwaggerView.as_view(url_name="api:schema")


def docs(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The interactive docs; a logged-out browser is sent to log in rather than shown a 401."""
    browser = "text/html" in request.headers.get("Accept", "")
    if browser and not request.user.is_authenticated and "Authorization" not in request.headers:
        return redirect_to_login(request.get_full_path())
    return _swagger(request, *args, **kwargs)


urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
]
