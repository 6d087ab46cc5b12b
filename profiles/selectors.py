"""Reads of phone profiles, shaped for the call paths that need them."""

from django.db.models import QuerySet

from profiles.models import PhoneProfile


def profile_active_for_number(*, number: str) -> PhoneProfile | None:
    """The active profile answering `number` (E.164), with what call set-up reads of it."""
    return (
        PhoneProfile.objects.filter(number=number, is_active=True)
        .prefetch_related("extra_languages", "menu_options")
        .first()
    )


def profiles_with_settings() -> QuerySet[PhoneProfile]:
    """Profiles with everything a full view of one shows: extra languages, handoff menu and
    knowledge bases, fetched in one query each for any number of profiles."""
    return PhoneProfile.objects.prefetch_related(
        "extra_languages", "menu_options", "knowledge_bases"
    )
