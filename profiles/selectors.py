"""Reads of phone profiles, shaped for the call paths that need them."""

from django.db.models import QuerySet

from profiles.models import PhoneProfile, StepKind, Workflow, WorkflowStep


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


def workflows_active_for_profile(*, profile_id: int) -> list[Workflow]:
    """The profile's active workflows, best first, each with its steps in order."""
    return list(
        Workflow.objects.filter(profile_id=profile_id, is_active=True)
        .prefetch_related("steps")
        .order_by("priority", "name")
    )


def workflow_transfer_numbers(*, profile_id: int) -> set[str]:
    """The numbers the profile's workflows may transfer a call to."""
    return set(
        WorkflowStep.objects.filter(
            workflow__profile_id=profile_id, kind=StepKind.TRANSFER
        ).values_list("number", flat=True)
    ) - {""}
