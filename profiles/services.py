"""Writes to phone profiles."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from knowledge.models import KnowledgeBase
from profiles.models import DemoBooking, PhoneProfile


def profile_update(
    *,
    profile: PhoneProfile,
    data: dict[str, Any],
    knowledge_bases: Iterable[KnowledgeBase] | None = None,
) -> PhoneProfile:
    """Set the given fields of `profile` (and its knowledge bases, when given) and save.

    The profile is validated as the admin validates it (`full_clean`: E.164 numbers, language
    codes, ranges, the unique number), so nothing the admin would refuse is saved; a refusal
    raises django.core.exceptions.ValidationError and leaves the database unchanged.
    """
    for name, value in data.items():
        setattr(profile, name, value)
    profile.full_clean()
    with transaction.atomic():
        profile.save(update_fields=[*data, "updated_at"] if data else ["updated_at"])
        if knowledge_bases is not None:
            profile.knowledge_bases.set(knowledge_bases)
    return profile


def demo_booking_record(*, call_sid: str, slots: dict[str, Any]) -> DemoBooking:
    name = slots.get("name", "")
    return DemoBooking.objects.create(call_sid=call_sid[:64], name=str(name)[:200], slots=slots)
