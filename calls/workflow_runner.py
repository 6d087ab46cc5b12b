"""Workflows on one call: the engine (`profiles.workflows`) decides, this module remembers.

The runner holds the profile's workflows and the call's active run. Each caller input goes to
the engine; the new state is written to the call's `WorkflowRun` (so a relay reconnect carries
on where it stopped), webhook steps are carried out here (`calls.webhooks`), and with an LLM
configured, an answer the engine cannot read is given to the LLM to pull the value out of it
(never to decide the flow).
"""

import functools
import logging
from dataclasses import dataclass, replace

from channels.db import database_sync_to_async
from django.utils import timezone

from calls import llm
from calls.models import Call, WorkflowRun
from calls.services import workflow_run_save
from calls.webhooks import webhook_post
from profiles.models import PhoneProfile
from profiles.selectors import workflows_active_for_profile
from profiles.spoken_dates import spoken_date
from profiles.workflows import (
    Flow,
    FlowState,
    Reply,
    flow_for_digit,
    flow_from_workflow,
    flow_input,
    flow_start,
    flow_triggered,
    flow_webhook_done,
)

logger = logging.getLogger(__name__)

# What the LLM is asked to pull out of a free answer, per validation.
_EXTRACT = {
    "date": "the date, as YYYY-MM-DD",
    "time": "the time of day, as HH:MM (24-hour clock)",
    "name": "the person's name, as they would write it",
    "yes_no": "whether they said yes or no: answer yes or no",
}
_NOTHING = "NONE"


@dataclass
class WorkflowRunner:
    call: Call
    profile: PhoneProfile
    flows: list[Flow]
    run: WorkflowRun | None = None  # the active run, if any
    flow: Flow | None = None
    state: FlowState | None = None

    @classmethod
    def load(cls, *, call: Call, profile: PhoneProfile) -> "WorkflowRunner":
        """The profile's workflows and the call's active run (database; call in a thread)."""
        flows = [flow_from_workflow(w) for w in workflows_active_for_profile(profile_id=profile.pk)]
        runner = cls(call=call, profile=profile, flows=flows)
        run = call.workflow_runs.filter(status="active").order_by("-started_at").first()
        flow = next((f for f in flows if run and f.id == run.workflow_id), None)
        if run is not None and flow is not None:
            runner.run, runner.flow = run, flow
            runner.state = FlowState.from_dict(
                {
                    "step": run.step,
                    "slots": run.slots,
                    "attempts": run.attempts,
                    "status": run.status,
                }
            )
        if flows:
            _warm_up_date_parsing()
        return runner

    @property
    def active(self) -> bool:
        return self.state is not None and self.state.active

    def flow_for_words(self, text: str, language: str) -> Flow | None:
        return flow_triggered(self.flows, text, language)

    def flow_for_key(self, digits: str) -> Flow | None:
        return flow_for_digit(self.flows, digits) if len(digits) == 1 else None

    async def start(self, flow: Flow, *, language: str) -> Reply:
        self.flow, self.run = flow, None
        return await self._saved(flow_start(flow, language=language, now=timezone.now()))

    async def answer(
        self, *, text: str = "", digits: str = "", language: str, command: str | None = None
    ) -> Reply:
        """The caller's answer to the step the run is at."""
        before = self.state
        reply = flow_input(
            self.flow,
            before,
            text=text,
            digits=digits,
            language=language,
            now=timezone.now(),
            command=command,
        )
        if text and command is None and self._not_understood(before, reply):
            extracted = await self._extract(before, text)
            if extracted:
                reply = flow_input(
                    self.flow,
                    before,
                    text=text,
                    language=language,
                    now=timezone.now(),
                    extracted=extracted,
                )
        return await self._saved(reply)

    async def webhook(self, reply: Reply, *, language: str) -> Reply:
        """Carry out the webhook `reply` asks for, then let the engine route its result."""
        hook = replace(
            reply.webhook, payload={**reply.webhook.payload, "call_sid": self.call.call_sid}
        )
        result = await webhook_post(hook=hook, call_sid=self.call.call_sid)
        after = flow_webhook_done(
            self.flow,
            reply.state,
            ok=result.ok,
            data=result.data,
            language=language,
            now=timezone.now(),
        )
        if not result.ok:
            after.notes.insert(0, f"webhook failed: {result.error}")
        return await self._saved(after, result=result.data)

    def _not_understood(self, before: FlowState, reply: Reply) -> bool:
        """The engine asked again: same step, one more attempt."""
        after = reply.state
        return (
            after.status == "active"
            and after.step == before.step
            and after.attempts > before.attempts
        )

    async def _extract(self, state: FlowState, text: str) -> str:
        """The value the current step wants, pulled out of a free answer by the LLM, or ""."""
        step = self.flow.step(state.step)
        wanted = _EXTRACT.get(step.validation)
        if not wanted or not llm.llm_configured() or not self.profile.llm_model:
            return ""
        messages = [
            {
                "role": "system",
                "content": (
                    f"A caller was asked: {step.text_en or step.text_es!r}. "
                    f"From their answer, extract {wanted}. Today is "
                    f"{timezone.localdate().isoformat()}. Reply with the value only, or "
                    f"{_NOTHING} if the answer does not contain it."
                ),
            },
            {"role": "user", "content": text},
        ]
        try:
            value = await llm.complete_chat(
                model=self.profile.llm_model, messages=messages, temperature=0, max_tokens=20
            )
        except llm.LLMError as exc:
            logger.warning("call %s: slot extraction failed: %s", self.call.call_sid, exc)
            return ""
        value = value.strip().strip(".\"'")
        return "" if not value or value.upper() == _NOTHING else value

    async def _saved(self, reply: Reply, result: dict | None = None) -> Reply:
        self.state = reply.state
        self.run = await database_sync_to_async(workflow_run_save)(
            call=self.call,
            run=self.run,
            flow_id=self.flow.id,
            flow_name=self.flow.name,
            state=reply.state.as_dict(),
            result=result,
        )
        if not self.active:
            self.run, self.flow, self.state = None, None, None
        return reply


@functools.cache
def _warm_up_date_parsing() -> None:
    # dateparser loads its language data on first use (~140 ms): do it here, in the setup's
    # worker thread, not in the event loop on a caller's first date.
    spoken_date("the fifth of March", today=timezone.localdate(), language="en")
