"""Reads of calls, shaped for the paths that need them."""

from calls.models import Call, Turn, TurnRole
from profiles.models import PhoneProfile


def session_load(
    *, call_sid: str, profile_id: int
) -> tuple[Call, PhoneProfile, list[Turn], int] | None:
    """For a relay session: the call, its active profile, the conversation so far (without
    system turns) and the next turn number. A reconnect continues the same transcript."""
    call = Call.objects.filter(call_sid=call_sid, profile_id=profile_id).first()
    profile = (
        PhoneProfile.objects.filter(pk=profile_id, is_active=True)
        .prefetch_related("extra_languages", "knowledge_bases", "menu_options")
        .first()
    )
    if call is None or profile is None:
        return None
    turns = list(call.turns.order_by("sequence"))
    next_sequence = turns[-1].sequence + 1 if turns else 1
    conversation = [t for t in turns if t.role != TurnRole.SYSTEM]
    call.language = call.language or profile.language
    return call, profile, conversation, next_sequence
