"""The demo business that `make run` serves: a bilingual dental clinic on +15550100000.

Seeding creates what is missing and leaves alone what exists, so staff edits to the demo
survive every `make run`.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from knowledge.models import Document, DocumentStatus, KnowledgeBase
from knowledge.services import document_ingest
from profiles.models import PhoneProfile, ProfileLanguage, StepKind, Workflow, WorkflowStep

DEMO_NUMBER = "+15550100000"
DEMO_KNOWLEDGE_BASE = "Bright Smile Dental"
DEMO_KNOWLEDGE_DIR = Path(__file__).parent / "demo_knowledge"

DEMO_INSTRUCTIONS = """\
You are Ava, the friendly phone assistant of Bright Smile Dental, a family dental clinic.
Help callers with opening hours, location, services, insurance, prices and appointments.
Be warm and brief. If you are not sure of an answer, say so and offer to connect the caller
to the front desk. Never give medical diagnoses; for pain or swelling, suggest an appointment
or, out of hours, the emergency line."""


@dataclass(frozen=True)
class DemoSeedResult:
    profile: PhoneProfile
    profile_created: bool
    workflow_created: bool
    documents_created: int
    documents_total: int
    staff_username: str
    staff_created: bool
    # Set only when this run chose the password, so it can be shown exactly once.
    generated_password: str | None


def demo_documents() -> list[tuple[str, str]]:
    """(title, text) of each shipped demo document; the title is its first heading."""
    documents = []
    for path in sorted(DEMO_KNOWLEDGE_DIR.glob("*.md")):
        text = path.read_text(encoding="utf-8").strip()
        title = text.splitlines()[0].lstrip("# ").strip()
        documents.append((title, text))
    return documents


@transaction.atomic
def demo_seed(*, staff_username: str, staff_password: str | None) -> DemoSeedResult:
    knowledge_base, _ = KnowledgeBase.objects.get_or_create(
        name=DEMO_KNOWLEDGE_BASE,
        defaults={"description": "Hours, location, services, insurance and policies."},
    )
    documents = demo_documents()
    documents_created = 0
    for title, text in documents:
        _, created = Document.objects.get_or_create(
            knowledge_base=knowledge_base, title=title, defaults={"source_text": text}
        )
        documents_created += created

    profile, profile_created = _demo_profile()
    if profile_created:
        profile.knowledge_bases.add(knowledge_base)
    workflow_created = demo_booking_workflow_create(profile)

    staff_created, generated_password = _staff_account(staff_username, staff_password)
    return DemoSeedResult(
        profile=profile,
        profile_created=profile_created,
        workflow_created=workflow_created,
        documents_created=documents_created,
        documents_total=len(documents),
        staff_username=staff_username,
        staff_created=staff_created,
        generated_password=generated_password,
    )


def _demo_profile() -> tuple[PhoneProfile, bool]:
    existing = PhoneProfile.objects.filter(number=DEMO_NUMBER).first()
    if existing is not None:
        return existing, False
    profile = PhoneProfile(
        number=DEMO_NUMBER,
        name="Bright Smile Dental",
        assistant_name="Ava",
        language="en-US",
        tts_provider="Google",
        voice="en-US-Journey-O",
        transcription_provider="Deepgram",
        speech_model="nova-3-general",
        welcome_greeting=(
            "Hello, thank you for calling Bright Smile Dental. I'm Ava, the clinic's virtual "
            "assistant. How can I help you today? To book an appointment, press 1 or just ask. "
            "Para español, diga español."
        ),
        hints="Bright Smile, Delta Dental, Cigna, Aetna, MetLife, Guardian, Dr. Ruiz",
        system_instructions=DEMO_INSTRUCTIONS,
        transfer_message="Please hold while I connect you to our front desk.",
    )
    profile.full_clean(exclude=["knowledge_bases"])
    profile.save()
    spanish = ProfileLanguage(
        profile=profile,
        code="es-US",
        tts_provider="Google",
        voice="es-US-Neural2-A",
        transcription_provider="Deepgram",
        speech_model="nova-3-general",
        welcome_greeting=(
            "Hola, gracias por llamar a Bright Smile Dental. Soy Ava, la asistente virtual de "
            "la clínica. ¿En qué le puedo ayudar? Para pedir una cita, pulse 1 o pídamela."
        ),
    )
    spanish.full_clean()
    spanish.save()
    return profile, True


DEMO_WORKFLOW = "Book an appointment"
DEMO_BOOKING_PATH = "/demo/bookings/"
# (key, kind, English, Spanish, other fields)
_BOOKING_STEPS = [
    (
        "intro",
        StepKind.SAY,
        "I can book an appointment for you. I'll need a few details.",
        "Con gusto le reservo una cita. Necesito algunos datos.",
        {},
    ),
    (
        "ask_name",
        StepKind.ASK,
        "What is your full name?",
        "¿Cuál es su nombre completo?",
        {"slot": "name", "validation": "name"},
    ),
    (
        "ask_birth_date",
        StepKind.COLLECT_DIGITS,
        "Please enter or say your date of birth as eight digits: year, month and day. For "
        "example, one nine nine zero, zero four, one two. Then press pound.",
        "Por favor, marque o diga su fecha de nacimiento con ocho dígitos: año, mes y día. "
        "Por ejemplo, uno nueve nueve cero, cero cuatro, uno dos. Luego pulse numeral.",
        {
            "slot": "birth_date",
            "validation": "regex",
            "pattern": r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])",
            "min_digits": 8,
            "max_digits": 8,
            "reprompt_en": "Sorry, that isn't a date I can use. Please give eight digits: "
            "year, month and day.",
            "reprompt_es": "Perdone, esa fecha no me sirve. Diga ocho dígitos: año, mes y día.",
        },
    ),
    (
        "ask_day",
        StepKind.ASK,
        "Which day would you like to come in?",
        "¿Qué día le gustaría venir?",
        {"slot": "day", "validation": "date"},
    ),
    (
        "ask_time",
        StepKind.ASK,
        "And at what time?",
        "¿Y a qué hora?",
        {"slot": "time", "validation": "time"},
    ),
    (
        "confirm",
        StepKind.CONFIRM,
        "So that's {name}, born {birth_date}, on {day} at {time}. Is that right?",
        "Entonces: {name}, nacido el {birth_date}, el {day} a las {time}. ¿Es correcto?",
        {"no_step": "ask_day"},
    ),
    (
        "book",
        StepKind.WEBHOOK,
        "",
        "",
        {"failure_step": "book_failed", "timeout_seconds": 5},
    ),
    (
        "booked",
        StepKind.SAY,
        "You're booked. Your reference is {booking_reference}. Is there anything else I can "
        "help you with?",
        "Su cita está reservada. Su referencia es {booking_reference}. ¿Le puedo ayudar en "
        "algo más?",
        {"finishes": True},
    ),
    (
        "book_failed",
        StepKind.SAY,
        "I'm sorry, I couldn't reach our booking system just now. Please call again a little "
        "later, or ask me for a person.",
        "Lo siento, no pude comunicarme con el sistema de citas. Vuelva a llamar un poco más "
        "tarde, o pídame hablar con una persona.",
        {"finishes": True},
    ),
]


def demo_booking_secret() -> str:
    """The secret the demo's booking webhook is signed with, derived from SECRET_KEY."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"voiceai-demo-booking", hashlib.sha256
    ).hexdigest()


def demo_booking_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + DEMO_BOOKING_PATH


def demo_booking_workflow_create(profile: PhoneProfile) -> bool:
    """The demo's appointment booking, in English and Spanish; True if it was created now.

    When it exists, only its webhook is pointed again at this server's own booking endpoint
    (the server may now run on another port): anything else staff changed stays.
    """
    existing = profile.workflows.filter(name=DEMO_WORKFLOW).first()
    if existing is not None:
        existing.steps.filter(kind=StepKind.WEBHOOK, url__endswith=DEMO_BOOKING_PATH).exclude(
            url=demo_booking_url()
        ).update(url=demo_booking_url())
        return False
    workflow = Workflow.objects.create(
        profile=profile,
        name=DEMO_WORKFLOW,
        description="Books a visit: name, date of birth, day and time, then the clinic's "
        "booking system (the demo's own endpoint) gives a reference.",
        trigger_phrases="book an appointment\nmake an appointment\nschedule an appointment\n"
        "pedir una cita\nreservar una cita\nhacer una cita\nagendar una cita",
        trigger_digit="1",
    )
    for position, (key, kind, text_en, text_es, extra) in enumerate(_BOOKING_STEPS, start=1):
        if kind == StepKind.WEBHOOK:
            extra = {
                **extra,
                "url": demo_booking_url(),
                "secret": demo_booking_secret(),
            }
        WorkflowStep.objects.create(
            workflow=workflow,
            position=position * 10,
            key=key,
            kind=kind,
            text_en=text_en,
            text_es=text_es,
            **extra,
        )
    return True


def _staff_account(username: str, password: str | None) -> tuple[bool, str | None]:
    """Create the staff account if missing. A given password is (re)applied; else one is made."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    generated = None
    if user is None:
        if not password:
            password = generated = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        return True, generated
    if password and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return False, None


def demo_ingest() -> tuple[int, int, list[str]]:
    """Ingest the demo documents that are not ready yet: (ready documents, chunks, errors).

    Run inline rather than through Celery so that `make run` serves answers at once, with or
    without a worker.
    """
    documents = Document.objects.filter(knowledge_base__name=DEMO_KNOWLEDGE_BASE)
    errors = []
    for document in documents.exclude(status=DocumentStatus.READY):
        result = document_ingest(document_id=document.pk)
        if result.error:
            errors.append(f"{document.title}: {result.error}")
    ready = documents.filter(status=DocumentStatus.READY)
    return ready.count(), sum(ready.values_list("chunk_count", flat=True)), errors
