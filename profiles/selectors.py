"""Reads of phone profiles, shaped for the call paths that need them."""

from profiles.models import PhoneProfile


def profile_active_for_number(*, number: str) -> PhoneProfile | None:
    """The active profile answering `number` (E.164), with what call set-up reads of it."""
    return (
        PhoneProfile.objects.filter(number=number, is_active=True)
        .prefetch_related("extra_languages", "menu_options")
        .first()
    )
