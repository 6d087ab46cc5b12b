import argparse
import asyncio
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from calls.call_simulator import SimulatedCall
from profiles.phone_numbers import to_e164


class _Step(argparse.Action):
    """Keeps --say and --dtmf in the order they were given."""

    def __call__(self, parser, namespace, value, option_string=None):
        steps = getattr(namespace, "steps", None) or []
        steps.append(("say" if option_string == "--say" else "dtmf", value))
        namespace.steps = steps


class Command(BaseCommand):
    help = (
        "Place a call against a running server exactly as Twilio does (signed webhook, signed "
        "WebSocket handshake, setup, prompts, keys) and print what the assistant says. "
        "Without --say or --dtmf, read what to say from the terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="the called number, e.g. +15550100000")
        parser.add_argument("--from", dest="from_number", default="+15550100123")
        parser.add_argument("--say", action=_Step, dest="steps", help="something to say")
        parser.add_argument("--dtmf", action=_Step, dest="steps", help="keys to press")
        parser.add_argument(
            "--interrupt-after",
            type=int,
            metavar="N",
            help="talk over each answer after N text frames",
        )
        parser.add_argument(
            "--lang",
            default="en",
            help="the language Twilio's transcriber reports (`es` as with multi-language "
            "transcription); `language` frames from the assistant change it",
        )
        parser.add_argument(
            "--server",
            default="http://127.0.0.1:8000",
            help="where the server listens (signatures use PUBLIC_BASE_URL, as Twilio's do)",
        )

    def handle(self, *args, **options):
        try:
            to_number = to_e164(options["to"])
        except Exception as exc:
            raise CommandError(f"--to: {' '.join(getattr(exc, 'messages', [str(exc)]))}") from None

        def write(text: str) -> None:
            self.stdout.write(text, ending="")
            self.stdout.flush()

        call = SimulatedCall(
            server=options["server"].rstrip("/"),
            to_number=to_number,
            from_number=options["from_number"],
            write=write,
            language=options["lang"],
        )
        steps = options.get("steps") or self._steps_from_terminal()
        started = time.monotonic()
        try:
            relay = call.dial()
            if relay is not None:
                asyncio.run(call.converse(relay, steps, interrupt_after=options["interrupt_after"]))
                after = call.session_end_callback()
                if call.session_ended is None:
                    write("[the caller hangs up]\n")
                else:
                    write(f"Twilio is told what to do next:\n{after}\n")
            call.hang_up(round(time.monotonic() - started))
        except OSError as exc:
            raise CommandError(f"cannot reach the server at {options['server']}: {exc}") from None

    def _steps_from_terminal(self):
        self.stdout.write("Type what the caller says and press Enter; an empty line hangs up.")

        def next_step() -> tuple[str, str] | None:
            line = sys.stdin.readline()
            return ("say", line.strip()) if line.strip() else None

        return next_step
