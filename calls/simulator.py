"""The browser simulator: a call that a staff member makes from `/simulator/`.

The browser plays Twilio's part on `/ws/relay/`, authenticated by the staff session instead of
a Twilio signature. This module starts such a call the way the voice webhook starts a phone
call (a Call, a session token, the welcome greeting) and hands the browser the `setup` frame
Twilio would have sent, so everything after the handshake is the real protocol.
"""

import secrets
from dataclasses import dataclass

from calls.models import Call, CallStatus
from calls.responses import welcome_greeting
from calls.services import call_start
from calls.session_tokens import GREETING_PARAMETER, PARAMETER_NAME, session_token_issue
from profiles.models import PhoneProfile


@dataclass(frozen=True)
class SimulatedCall:
    call: Call
    setup: dict  # the setup frame, as Twilio would send it
    greeting: str
    language: str


def simulated_call_start(*, profile: PhoneProfile, staff_username: str) -> SimulatedCall:
    """A new simulated call to `profile`, made by the staff member `staff_username`."""
    call = call_start(
        call_sid="CA" + secrets.token_hex(16),
        account_sid="",
        profile=profile,
        from_number=f"simulator:{staff_username}"[:64],
        to_number=profile.number,
        direction="inbound",
        status=CallStatus.IN_PROGRESS,
        simulated=True,
    )
    greeting = welcome_greeting(profile, profile.language)
    parameters = {
        PARAMETER_NAME: session_token_issue(call_sid=call.call_sid, profile_id=profile.pk)
    }
    if greeting:
        parameters[GREETING_PARAMETER] = greeting
    setup = {
        "type": "setup",
        "sessionId": "VX" + secrets.token_hex(16),
        "callSid": call.call_sid,
        "parentCallSid": "",
        "from": call.from_number,
        "to": call.to_number,
        "forwardedFrom": "",
        "callerName": staff_username,
        "direction": "inbound",
        "callType": "CLIENT",
        "callStatus": "IN-PROGRESS",
        "accountSid": "",
        "customParameters": parameters,
    }
    return SimulatedCall(call=call, setup=setup, greeting=greeting, language=profile.language)
