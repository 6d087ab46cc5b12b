"""Staff taking over a call from its live monitor (see `calls.live`): part of RelaySession."""

from calls import live, protocol
from calls.assistant import HistoryTurn
from calls.models import TurnRole, TurnSource
from calls.session_ending import Ending


class TakeoverMixin:
    """Carries out a staff member's commands on the relay session it is mixed into."""

    async def takeover(self, command: live.TakeoverCommand) -> None:
        """A staff member acts on the call: says a sentence in the assistant's voice, pauses or
        resumes the assistant, or hands the call to a person. Each action is a turn."""
        if self.call is None or self.handoff_sent is not None:
            return
        await self._stop_turn()
        staff = command.staff_name
        if command.action == "say":
            turn = self.transcript.turn(
                role=TurnRole.ASSISTANT,
                source=TurnSource.STAFF,
                language=self.language,
                text=command.text,
                staff_name=staff,
            )
            self.last_answer = turn
            await self.send(protocol.text_frame(command.text, last=True))
            self.history.append(HistoryTurn(TurnRole.ASSISTANT, command.text))
        elif command.action in ("pause", "resume"):
            self.paused_by = staff if command.action == "pause" else ""
            self._staff_note(f"assistant {command.action}d", staff)
            await live.call_state_publish(
                call_sid=self.call_sid, event=f"{command.action}d", staff_name=staff
            )
        elif command.action == "handoff":
            if self._ending is not None and self._ending.handle is not None:
                self._ending.handle.cancel()
            self._ending = Ending(
                "live_agent_request", f"{staff} handed the call to a person.", staff_name=staff
            )
            await self._send_end()
        await self.transcript.flush()  # the monitor shows the action at once

    def _staff_note(self, text: str, staff: str) -> None:
        self.transcript.turn(
            role=TurnRole.SYSTEM,
            source=TurnSource.STAFF,
            language=self.language,
            text=text,
            staff_name=staff,
        )
