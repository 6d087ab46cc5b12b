"""Workflows in the conversation: part of RelaySession.

A caller's words or keys start a workflow (its phrases, keywords or keypad digit) or answer
the step an active one is at; the engine says what to say next, and this mixin speaks it,
records the workflow's notes in the transcript, waits for digits when a step collects them,
runs webhooks, and ends or hands over the call when the workflow says so.
"""

import logging

from channels.db import database_sync_to_async

from calls import protocol
from calls.assistant import HistoryTurn
from calls.intents import Intent
from calls.models import TurnRole, TurnSource
from calls.phrases import phrase
from calls.speech import SpeechChunker
from calls.transcript import ms_since
from calls.workflow_runner import WorkflowRunner
from profiles.workflows import Reply

logger = logging.getLogger(__name__)

_COMMANDS = {Intent.LIVE_AGENT: "person"}


class WorkflowMixin:
    workflows: WorkflowRunner | None = None

    async def _load_workflows(self) -> None:
        self.workflows = await database_sync_to_async(WorkflowRunner.load)(
            call=self.call, profile=self.profile
        )

    def workflow_key_starts(self, key: str) -> bool:
        """A single key that starts a workflow, pressed while no digits are expected."""
        runner = self.workflows
        return runner is not None and not runner.active and runner.flow_for_key(key) is not None

    async def _workflow_turn(
        self, text: str, source: str, intent: Intent | None, received_at: float
    ) -> bool:
        """Run the caller's words or keys through a workflow; False when none is concerned.

        A workflow that breaks (a bug, the database away) costs the caller an apology, not
        the call: the assistant answers from then on.
        """
        try:
            return await self._run_workflow(text, source, intent, received_at)
        except Exception:
            logger.exception("call %s: workflow failed; the assistant takes over", self.call_sid)
            self.workflows = None
            await self._say_workflow([phrase("llm_failed", self.language)], received_at)
            return True

    async def _run_workflow(
        self, text: str, source: str, intent: Intent | None, received_at: float
    ) -> bool:
        runner = self.workflows
        if runner is None or not runner.flows:
            return False
        keys = source == TurnSource.DTMF
        if runner.active:
            if intent == Intent.FAREWELL:
                await runner.answer(language=self.language, command="cancel")
                return False  # the goodbye is answered as usual
            reply = await runner.answer(
                text="" if keys else text,
                digits=text if keys else "",
                language=self.language,
                command=_COMMANDS.get(intent),
            )
        else:
            flow = runner.flow_for_key(text) if keys else runner.flow_for_words(text, self.language)
            if flow is None:
                return False
            logger.info("call %s: workflow %r started", self.call_sid, flow.name)
            reply = await runner.start(flow, language=self.language)
        await self._play_workflow(reply, received_at)
        return True

    async def _play_workflow(self, reply: Reply, received_at: float) -> None:
        while True:
            self._workflow_notes(reply)
            if reply.say:
                await self._say_workflow(reply.say, received_at)
            if reply.webhook is None:
                break
            reply = await self.workflows.webhook(reply, language=self.language)
        self.expect_digits(reply.expect_digits or None)
        spoken = " ".join(reply.say)
        if reply.end == "goodbye":
            self._end_after_speaking("goodbye", "The workflow said goodbye.", spoken)
        elif reply.end == "transfer" and reply.transfer_number:
            self._end_after_speaking(
                "workflow_transfer",
                "A workflow transfers the call.",
                spoken,
                number=reply.transfer_number,
            )
        elif reply.end == "handoff":
            if self._can_hand_off():
                self._end_after_speaking(
                    "live_agent_request", "The workflow handed the call to a person.", spoken
                )
            else:
                await self._say_workflow([phrase("no_live_agent", self.language)], received_at)

    def _workflow_notes(self, reply: Reply) -> None:
        for note in reply.notes:
            self.transcript.turn(
                role=TurnRole.SYSTEM, source=TurnSource.WORKFLOW, language=self.language, text=note
            )
        reply.notes.clear()

    async def _say_workflow(self, sentences: list[str], received_at: float) -> None:
        text = " ".join(s.strip() for s in sentences if s.strip())
        if not text:
            return
        turn = self.transcript.turn(
            role=TurnRole.ASSISTANT, source=TurnSource.WORKFLOW, language=self.language, text=text
        )
        self.last_answer = turn
        chunker = SpeechChunker(self.language)
        frames = [*chunker.feed(text), *chunker.flush()]
        for index, frame_text in enumerate(frames):
            await self.send(protocol.text_frame(frame_text, last=index == len(frames) - 1))
        turn.ms_to_first_text = turn.ms_to_last_text = ms_since(received_at)
        self.history.append(HistoryTurn(TurnRole.ASSISTANT, text))
