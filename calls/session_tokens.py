"""Session tokens: the voice webhook vouches for a call to the relay WebSocket.

The token travels as a TwiML <Parameter> and comes back in `setup.customParameters`. It is
signed with Django's signing (SECRET_KEY), bound to one CallSid and profile, and expires, so a
WebSocket client cannot open a session for a call Twilio never sent us.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "voiceai.calls.relay-session"
PARAMETER_NAME = "session"
# Not a credential: the welcome greeting Twilio speaks, so the relay can record it.
GREETING_PARAMETER = "greeting"


class InvalidSessionToken(Exception):
    """Forged, expired, malformed, or issued for another call."""


@dataclass(frozen=True)
class SessionGrant:
    call_sid: str
    profile_id: int


def session_token_issue(*, call_sid: str, profile_id: int) -> str:
    return signing.dumps({"c": call_sid, "p": profile_id}, salt=SALT)


def session_token_verify(token: str, *, call_sid: str) -> SessionGrant:
    """The grant in `token`, which must be valid, unexpired and issued for `call_sid`."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.RELAY_SESSION_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidSessionToken("the session token has expired") from None
    except signing.BadSignature:
        raise InvalidSessionToken("the session token is not valid") from None
    if (
        not isinstance(data, dict)
        or data.get("c") != call_sid
        or not isinstance(data.get("p"), int)
    ):
        raise InvalidSessionToken("the session token was issued for another call")
    return SessionGrant(call_sid=data["c"], profile_id=data["p"])
