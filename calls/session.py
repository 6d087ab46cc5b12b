"""One ConversationRelay session: frames in, turns as cancellable tasks, frames out.

The consumer hands every WebSocket message to `RelaySession.receive` and gives it two
callables, `send` (one outbound frame) and `close`. Each final prompt (or submitted keypad
entry) becomes one turn running as its own asyncio task, so an `interrupt` is handled while the
answer streams: the task is cancelled, which closes the LLM stream, and nothing more is sent
for it. Bad input is logged and ignored; the call always goes on.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.conf import settings

from calls import live, protocol
from calls.assistant import AnswerOutcome, HistoryTurn, answer_stream
from calls.dtmf import DigitBuffer, spoken_digits
from calls.intents import Intent, assistant_ending, detect_intent, is_affirmative, reply_for
from calls.models import Call, CallStatus, Turn, TurnRole, TurnSource
from calls.phrases import base_language, phrase
from calls.selectors import session_load
from calls.services import call_end, call_status_update
from calls.session_ending import Ending, EndingMixin
from calls.session_language import SWITCHES, LanguageMixin
from calls.session_takeover import TakeoverMixin
from calls.session_tokens import (
    GREETING_PARAMETER,
    PARAMETER_NAME,
    InvalidSessionToken,
    session_token_verify,
)
from calls.session_workflows import WorkflowMixin
from calls.speech import SpeechChunker
from calls.transcript import Transcript, ms_since
from profiles.models import PhoneProfile

logger = logging.getLogger(__name__)

_SOURCES = {"llm": TurnSource.LLM, "knowledge": TurnSource.KNOWLEDGE}


class RelaySession(EndingMixin, LanguageMixin, TakeoverMixin, WorkflowMixin):
    def __init__(
        self,
        *,
        send: Callable[[dict], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        attached: Callable[[str], Awaitable[None]] | None = None,
        simulator_user: str = "",
    ) -> None:
        """`attached(call_sid)` is awaited once setup has opened the session. `simulator_user`
        names the staff member when the browser simulator, not Twilio, is on the line: such a
        session may only open a simulated call."""
        self._send_frame = send
        self._close = close
        self._attached = attached
        self.simulator_user = simulator_user
        self.transcript = Transcript(on_written=self._turns_written)
        self.call: Call | None = None
        self.profile: PhoneProfile | None = None
        self.language = "en-US"
        self.history: list[HistoryTurn] = []
        self.turn_task: asyncio.Task | None = None
        self.last_answer: Turn | None = None
        self.offered_person = False  # the last answer offered to connect the caller to a person
        self.digits = DigitBuffer()
        self.expected_digits: int | None = None  # set by workflows waiting for a keypad entry
        self._digit_timer: asyncio.TimerHandle | None = None
        self._ending: Ending | None = None
        self.handoff_sent: dict | None = None
        self.paused_by = ""  # a staff member paused the assistant: prompts are not answered
        self._last_inbound = time.monotonic()
        self._watchdog: asyncio.Task | None = None

    @property
    def call_sid(self) -> str:
        return self.transcript.call_sid

    # --- inbound ----------------------------------------------------------------------------

    async def receive(self, text: str | None, binary: bytes | None = None) -> None:
        self._last_inbound = time.monotonic()
        try:
            frame = protocol.parse_inbound(text, binary)
        except protocol.BadFrame as bad:
            logger.warning("call %s: ignored a bad frame: %s", self.call_sid, bad)
            self.transcript.event("in", "invalid", {"reason": str(bad), "raw": bad.raw})
            return
        self.transcript.event("in", frame.type, frame.data)
        if frame.type == "setup":
            await self._setup(frame)
        elif self.call is None:
            logger.warning("call %s: %s before setup ignored", self.call_sid, frame.type)
        elif frame.type == "prompt":
            self._on_prompt(frame)
        elif frame.type == "interrupt":
            await self._on_interrupt(frame)
        elif frame.type == "dtmf":
            self._on_dtmf(frame.data["digit"])
        elif frame.type == "info":
            self._on_info(frame)
        elif frame.type == "error":
            logger.warning("call %s: Twilio reports: %s", self.call_sid, frame.text("description"))
        else:
            logger.info("call %s: ignored unknown frame type %r", self.call_sid, frame.type)

    async def _setup(self, frame: protocol.Frame) -> None:
        if self.call is not None:
            logger.warning("call %s: second setup ignored", self.call_sid)
            return
        call_sid = frame.data["callSid"]
        token = frame.data["customParameters"].get(PARAMETER_NAME, "")
        try:
            grant = session_token_verify(token if isinstance(token, str) else "", call_sid=call_sid)
            loaded = await database_sync_to_async(session_load)(
                call_sid=call_sid, profile_id=grant.profile_id
            )
        except InvalidSessionToken as exc:
            logger.warning("call %s: relay refused: %s", call_sid, exc)
            self.transcript.event("out", "refused", {"reason": str(exc)})
            await self._close()
            return
        if loaded is None:
            logger.warning("call %s: relay refused: unknown call or inactive profile", call_sid)
            self.transcript.event("out", "refused", {"reason": "unknown call or profile"})
            await self._close()
            return
        if self.simulator_user and not loaded[0].simulated:
            logger.warning("call %s: relay refused: a browser cannot join a phone call", call_sid)
            self.transcript.event("out", "refused", {"reason": "not a simulated call"})
            await self._close()
            return
        self.call, self.profile, turns, next_sequence = loaded
        self.language = self.call.language or self.profile.language
        self.history = [
            HistoryTurn(t.role, t.text_heard if t.interrupted else t.text) for t in turns
        ]
        self.transcript.attach(self.call, next_sequence=next_sequence)
        if self.call.status != CallStatus.IN_PROGRESS:
            # Twilio may not send status callbacks; the relay talking means the call is up.
            await database_sync_to_async(call_status_update)(
                call=self.call, status=CallStatus.IN_PROGRESS
            )
        await self._load_workflows()
        greeting = frame.data["customParameters"].get(GREETING_PARAMETER)
        if isinstance(greeting, str) and greeting.strip():
            self.transcript.turn(
                role=TurnRole.ASSISTANT,
                source=TurnSource.SYSTEM,
                language=self.language,
                text=greeting.strip(),
            )
            self.history.append(HistoryTurn(TurnRole.ASSISTANT, greeting.strip()))
        self._watchdog = asyncio.get_running_loop().create_task(self._watch_silence())
        logger.info("call %s: relay session %s open", call_sid, frame.text("sessionId"))
        if self._attached is not None:
            await self._attached(call_sid)
        await live.call_state_publish(
            call_sid=call_sid,
            event="started",
            profile=self.profile.name,
            caller=self.call.from_number,
            simulated=self.call.simulated,
        )

    def _on_prompt(self, frame: protocol.Frame) -> None:
        if not frame.data.get("last", True):
            return  # partial transcript: logged, not answered
        text = frame.data["voicePrompt"].strip()
        if not text or self._ending:
            return
        spoken_lang = frame.text("lang")
        if self.expected_digits and (digits := spoken_digits(text)):
            self._start_turn(text=digits, source=TurnSource.DTMF, heard_as=text)
            return
        self._start_turn(text=text, source=TurnSource.SPEECH, spoken_lang=spoken_lang)

    async def _on_interrupt(self, frame: protocol.Frame) -> None:
        heard = frame.text("utteranceUntilInterrupt")
        await self._stop_turn()
        answer = self.last_answer
        if answer is None:
            return  # the welcome greeting was interrupted
        answer.interrupted = True
        answer.text_heard = heard
        self.transcript.turn_changed(answer, "interrupted", "text_heard")
        for index in range(len(self.history) - 1, -1, -1):
            if self.history[index].role == TurnRole.ASSISTANT:
                self.history[index] = HistoryTurn(TurnRole.ASSISTANT, heard)
                break
        self.last_answer = None

    def _on_dtmf(self, key: str) -> None:
        if self._digit_timer is not None:
            self._digit_timer.cancel()
            self._digit_timer = None
        self.digits.max_digits = self.expected_digits
        starts_workflow = self.expected_digits is None and self.workflow_key_starts(key)
        if starts_workflow and not self.digits.digits:
            self._submit_digits(key)  # a workflow's key: no need to wait for # or a pause
            return
        entry = self.digits.press(key)
        if entry is not None:
            self._submit_digits(entry)
        elif self.digits.digits:
            pause = settings.RELAY_DTMF_PAUSE_MS / 1000
            self._digit_timer = asyncio.get_running_loop().call_later(pause, self._digits_paused)

    def _digits_paused(self) -> None:
        self._digit_timer = None
        entry = self.digits.submit()
        if entry:
            self._submit_digits(entry)

    def _submit_digits(self, entry: str) -> None:
        self.expected_digits = None
        self._start_turn(text=entry, source=TurnSource.DTMF)

    def _on_info(self, frame: protocol.Frame) -> None:
        # A pending goodbye or transfer waits until the assistant has finished speaking.
        speaking = frame.data.get("name") == "agentSpeaking"
        if speaking and frame.data.get("value") == "off" and self._ending is not None:
            asyncio.get_running_loop().create_task(self._send_end())

    def expect_digits(self, max_digits: int | None) -> None:
        """Treat the next keypad entry (or spoken number) as digits, submitted at `max_digits`."""
        self.expected_digits = max_digits

    # --- turns ------------------------------------------------------------------------------

    def _start_turn(
        self, *, text: str, source: str, spoken_lang: str = "", heard_as: str = ""
    ) -> None:
        previous = self.turn_task
        if previous is not None and not previous.done():
            previous.cancel()
        self.turn_task = asyncio.get_running_loop().create_task(
            self._turn(text, source, spoken_lang, heard_as, previous, time.monotonic())
        )

    async def _turn(
        self,
        text: str,
        source: str,
        spoken_lang: str,
        heard_as: str,
        previous: asyncio.Task | None,
        received_at: float,
    ) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        self.transcript.turn(
            role=TurnRole.CALLER,
            source=source,
            language=self.language,
            text=text,
            text_heard=heard_as,
        )
        self.history.append(HistoryTurn(TurnRole.CALLER, text))
        if self.paused_by:
            return  # a staff member answers, by typing on the monitor page
        profile = self.profile
        intent = detect_intent(text, self.language) if profile.use_intent_rules else None
        if await self._workflow_turn(text, source, intent, received_at):
            self.offered_person = False
            return
        if self.offered_person and intent is None and is_affirmative(text):
            intent = Intent.LIVE_AGENT  # "Yes, please" to "shall I connect you with a person?"
        self.offered_person = False
        await self._switch_language(intent, spoken_lang)
        if intent in SWITCHES and base_language(self.language) == SWITCHES[intent]:
            await self._speak_reply(intent, received_at)
            return
        if intent in (Intent.GREETING, Intent.THANKS, Intent.FAREWELL, Intent.LIVE_AGENT):
            await self._speak_reply(intent, received_at)
            return
        await self._speak_answer(received_at)

    def _can_hand_off(self) -> bool:
        """Whether anyone can take the call: a live agent number or a handoff menu."""
        return bool(self.profile.live_agent_number) or bool(self.profile.menu_options.all())

    async def _speak_reply(self, intent: Intent | None, received_at: float) -> None:
        if intent == Intent.LIVE_AGENT and not self._can_hand_off():
            # Promising a transfer that cannot happen would be worse than saying so now.
            text = phrase("no_live_agent", self.language)
            intent = None
        else:
            text = reply_for(
                intent,
                self.language,
                assistant_name=self.profile.assistant_name,
                business_name=self.profile.name,
            )
        turn = self.transcript.turn(
            role=TurnRole.ASSISTANT, source=TurnSource.RULE, language=self.language, text=text
        )
        self.last_answer = turn
        await self.send(protocol.text_frame(text, last=True))
        turn.ms_to_first_text = turn.ms_to_last_text = ms_since(received_at)
        self.history.append(HistoryTurn(TurnRole.ASSISTANT, text))
        if intent == Intent.FAREWELL:
            self._end_after_speaking("goodbye", "The caller said goodbye.", text)
        elif intent == Intent.LIVE_AGENT:
            self._end_after_speaking("live_agent_request", "The caller asked for a person.", text)

    async def _speak_answer(self, received_at: float) -> None:
        outcome = AnswerOutcome()
        turn = self.transcript.turn(
            role=TurnRole.ASSISTANT, source=TurnSource.LLM, language=self.language, text=""
        )
        self.last_answer = turn
        chunker = SpeechChunker(self.language)
        spoken: list[str] = []
        loop = asyncio.get_running_loop()
        filler = loop.call_later(
            self.profile.filler_delay_ms / 1000,
            lambda: loop.create_task(self._say_filler(spoken)),
        )
        try:
            async for piece in answer_stream(
                profile=self.profile,
                history=self.history,
                language=self.language,
                outcome=outcome,
                call_sid=self.call_sid,
            ):
                filler.cancel()
                for frame_text in chunker.feed(piece):
                    await self._speak(frame_text, spoken, turn, received_at)
            filler.cancel()
            tail = chunker.flush()
            for frame_text in tail[:-1]:
                await self._speak(frame_text, spoken, turn, received_at)
            await self.send(protocol.text_frame(tail[-1] if tail else "", last=True))
            if tail:
                spoken.append(tail[-1])
            turn.ms_to_last_text = ms_since(received_at)
            if turn.ms_to_first_text is None:
                turn.ms_to_first_text = turn.ms_to_last_text
        finally:
            filler.cancel()
            turn.text = "".join(spoken).strip()
            turn.source = _SOURCES.get(outcome.source, TurnSource.SYSTEM)
            turn.error = outcome.error
            turn.knowledge = [passage.as_record() for passage in outcome.passages]
            self.offered_person = outcome.offered_person
            self.transcript.turn_changed(
                turn, "text", "source", "error", "knowledge", "ms_to_first_text"
            )
            self.transcript.turn_changed(turn, "ms_to_last_text")
            self.history.append(HistoryTurn(TurnRole.ASSISTANT, turn.text))
        ending = assistant_ending(turn.text, self.language)
        if ending == Intent.FAREWELL:
            self._end_after_speaking("goodbye", "The assistant said goodbye.", turn.text)
        elif ending == Intent.LIVE_AGENT and self._can_hand_off():
            self._end_after_speaking(
                "live_agent_request", "The assistant handed the call to a person.", turn.text
            )

    async def _speak(self, text: str, spoken: list[str], turn: Turn, received_at: float) -> None:
        await self.send(protocol.text_frame(text, last=False))
        spoken.append(text)
        if turn.ms_to_first_text is None:
            turn.ms_to_first_text = ms_since(received_at)

    async def _say_filler(self, spoken: list[str]) -> None:
        if not spoken and self.turn_task is not None and not self.turn_task.done():
            await self.send(
                protocol.text_frame(
                    phrase("filler", self.language) + " ", last=False, preemptible=True
                )
            )

    async def _stop_turn(self) -> None:
        task = self.turn_task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _turns_written(self, turns: list[Turn]) -> None:
        await live.turns_publish(call_sid=self.call_sid, turns=turns)

    # --- outbound and shutdown --------------------------------------------------------------

    async def send(self, frame: dict) -> None:
        self.transcript.event("out", frame["type"], frame)
        await self._send_frame(frame)

    async def disconnected(self, code: int | None) -> None:
        """The socket is gone: stop everything, keep every word said."""
        for handle in (self._digit_timer, self._ending.handle if self._ending else None):
            if handle is not None:
                handle.cancel()
        tasks = [t for t in (self.turn_task, self._watchdog) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.transcript.event("in", "disconnect", {"code": code})
        await self.transcript.close()
        if self.call is None:
            return
        logger.info("call %s: relay session closed (%s)", self.call_sid, code)
        if self.call.simulated:
            # No Twilio callbacks follow a simulated call: the hang-up ends it here.
            reason = self.handoff_sent["reasonCode"] if self.handoff_sent else "completed"
            await database_sync_to_async(call_end)(
                call=self.call,
                end_reason=reason,
                status=CallStatus.COMPLETED,
                handoff_data=self.handoff_sent,
            )
        await live.call_state_publish(call_sid=self.call_sid, event="ended")
