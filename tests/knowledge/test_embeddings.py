"""Embeddings: the local hashing provider ranks clinic passages well in English and Spanish and
is the same in every process; the openai provider batches, asks for 384 dimensions and turns
every failure into a plain EmbeddingError. No database needed."""

import json
import math
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import embeddings
from knowledge.embeddings import (
    EMPTY_VECTOR,
    EmbeddingError,
    embed_query,
    embed_texts,
    embedding_model,
    stem,
    stems,
)
from knowledge.models import EMBEDDING_DIMENSIONS

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PASSAGES = {
    "hours": (
        "Brightside Dental is open Monday to Friday from 8 am to 6 pm, and on Saturdays from "
        "9 am to 1 pm. We are closed on Sundays and public holidays. The front desk answers "
        "the phone from 7:30 am on weekdays."
    ),
    "location": (
        "Our address is 214 Harbor Street, Suite 3, across from the central library. Free "
        "parking is available in the lot behind the building, and street parking on Elm Avenue "
        "is free after 6 pm. Buses 12 and 40 stop right outside the door."
    ),
    "insurance": (
        "We accept most PPO dental insurance plans, including Delta Dental, Cigna, MetLife and "
        "Aetna. We are out of network with HMO plans. Please bring your insurance card and a "
        "photo ID to your first visit so we can check your coverage."
    ),
    "cancellation": (
        "Please give us at least 24 hours notice if you need to cancel or reschedule an "
        "appointment. Late cancellations and missed appointments are charged a $50 fee. The "
        "fee is waived once a year for emergencies."
    ),
    "services": (
        "We offer cleanings and checkups, fillings, crowns, root canals, teeth whitening, "
        "Invisalign and emergency dental care for adults and children. Same-day appointments "
        "are available for toothaches."
    ),
    "spanish": (
        "Clínica Dental Brightside: abrimos de lunes a viernes de 8 a 18 horas y los sábados "
        "de 9 a 13 horas. Aceptamos la mayoría de los seguros dentales PPO. Hablamos español; "
        "puede pedir una cita por teléfono."
    ),
}


def cosine(a: list[float], b: list[float]) -> float:
    # Both are unit vectors: the dot product is the cosine similarity.
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def assert_unit_vector(vector: list[float]) -> None:
    assert len(vector) == EMBEDDING_DIMENSIONS
    assert all(isinstance(value, float) and math.isfinite(value) for value in vector)
    assert math.fsum(value * value for value in vector) == pytest.approx(1.0, abs=1e-9)


@pytest.fixture
def local(settings):
    settings.EMBEDDING_PROVIDER = "local"
    settings.EMBEDDING_MODEL = ""


@pytest.fixture
def openai_provider(llm, settings):
    """The openai provider, talking to the loopback test server through the real SDK."""
    settings.EMBEDDING_PROVIDER = "openai"
    settings.EMBEDDING_MODEL = ""
    return llm


# --- local provider ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "What time do you open on Monday?",
        "¿A qué hora abren los sábados?",
        PASSAGES["insurance"],
        "x" * 5000,
        " ".join(["parking"] * 500),
        "214 Harbor Street, 8:30 am",
        "日本語のテキスト",
    ],
)
def test_local_vectors_have_384_dimensions_and_unit_length(local, text):
    assert_unit_vector(embed_query(text))


def test_local_vectors_come_one_per_text_in_order(local):
    texts = list(PASSAGES.values())
    vectors = embed_texts(texts)
    assert len(vectors) == len(texts)
    for text, vector in zip(texts, vectors, strict=True):
        assert vector == embed_query(text)
    assert embed_texts([]) == []


def test_local_vectors_are_the_same_on_every_call(local):
    texts = [PASSAGES["hours"], "¿Aceptan seguro?", ""]
    assert embed_texts(texts) == embed_texts(texts)


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_local_vectors_are_the_same_in_another_process(local, hash_seed):
    """Another interpreter, with another salt for built-in hash(), gets identical floats."""
    texts = [PASSAGES["hours"], PASSAGES["spanish"], "do you take delta dental", ""]
    script = (
        "import json, sys\n"
        "import django\n"
        "from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['knowledge'], EMBEDDING_PROVIDER='local',\n"
        "    EMBEDDING_MODEL='', OPENAI_API_KEY='', OPENAI_BASE_URL='')\n"
        "django.setup()\n"
        "from knowledge.embeddings import embed_texts\n"
        "print(json.dumps(embed_texts(json.loads(sys.stdin.read()))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=PROJECT_ROOT,
        # Nothing inherited (no DJANGO_SETTINGS_MODULE, no .env values): only what is set here.
        env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": hash_seed, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # JSON round-trips floats exactly (repr), so this is bit-for-bit equality.
    assert json.loads(result.stdout) == embed_texts(texts)


def test_the_local_algorithm_has_not_changed_under_its_name(local):
    """Stored chunks were embedded by "local-hash-384-v1": if this fails, the algorithm changed
    and LOCAL_MODEL_NAME must get a new version so that old vectors are re-embedded."""
    vector = embed_query("What time do you open on Monday?")
    largest = sorted(range(EMBEDDING_DIMENSIONS), key=lambda i: (-abs(vector[i]), i))[:4]
    assert {i: round(vector[i], 6) for i in largest} == {
        290: 0.423714,
        314: -0.423714,
        382: -0.423714,
        342: 0.211857,
    }
    assert embedding_model() == "local-hash-384-v1"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("¿A QUÉ HORA ABREN?", "a que hora abren"),
        ("Días y HORARIOS", "dias y horarios"),
        ("Cancelación", "cancelacion"),
        ("Mañana en la CLÍNICA", "manana en la clinica"),
        ("WHERE CAN I PARK?", "where can i park"),
        ("Crème brûlée", "creme brulee"),
    ],
)
def test_accents_case_and_punctuation_do_not_matter(local, one, other):
    assert embed_query(one) == embed_query(other)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["open", "opens", "opening", "opened", "openings"], "open"),
        (["hour", "hours"], "hour"),
        (["día", "días", "dia"], "dia"),
        (["abrimos", "abren", "abrir", "abre"], "abr"),
        (["hora", "horas"], "hor"),
        (["cancel", "cancels", "cancelled", "canceled", "cancellation", "cancelación"], "cancel"),
        (["cancelar", "cancelamos", "cancelaciones"], "cancel"),
        (["close", "closes", "closed", "closing"], "clos"),
        (["park", "parks", "parking", "parked"], "park"),
        (["seguro", "seguros"], "segur"),
        (["acepta", "aceptan", "aceptamos"], "acept"),
        (["service", "services"], "servic"),
        (["fee", "fees"], "fee"),
        (["policy", "policies"], "policy"),
        (["offer", "offers", "offered", "offering"], "off"),
        (["prepare", "prepared", "preparing"], "prep"),
        (["address", "addresses"], "address"),
        (["visit", "visits", "visited", "visita", "visitar"], "visit"),
        # Too short to strip, or not an ending at all.
        (["need", "needs"], "need"),
        (["bus"], "bus"),
        (["2024"], "2024"),
    ],
)
def test_stemming_brings_inflections_together(words, expected):
    assert {stems(word)[0] for word in words} == {expected}


def test_stopwords_go_but_numbers_and_negations_stay():
    assert stems("Are you open on Sundays? Not on Sundays, but 7 days a week otherwise.") == [
        "open",
        "sunday",
        "not",
        "sunday",
        "7",
        "day",
        "week",
        "otherwis",
    ]
    assert stems("¿Abren el sábado? Sí, de 9 a 1, dos horas.") == [
        "abr",
        "sabad",
        "9",
        "1",
        "dos",
        "hor",
    ]
    assert stems("one two three uno tres") == ["one", "two", "thr", "uno", "tre"]


def test_stem_is_a_plain_function_of_one_lowercase_word():
    assert stem("openings") == "open"
    assert stem("abc") == "abc"  # three letters or fewer are left alone


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what time do you open on monday", "hours"),
        ("are you open on sunday", "hours"),
        ("where can I park", "location"),
        ("is there parking", "location"),
        ("what is your address", "location"),
        ("do you take delta dental", "insurance"),
        ("do you accept my insurance", "insurance"),
        ("how much does it cost to cancel late", "cancellation"),
        ("is there a fee for a missed appointment", "cancellation"),
        ("do you do teeth whitening", "services"),
        ("can you fix a root canal", "services"),
        ("¿a qué hora abren?", "spanish"),
        ("¿aceptan seguro?", "spanish"),
        ("¿qué días abren?", "spanish"),
        ("¿aceptan seguros dentales?", "spanish"),
        # Across languages, through shared stems.
        ("¿cuánto cuesta cancelar?", "cancellation"),
    ],
)
def test_questions_rank_the_right_passage_first(local, question, expected):
    names = list(PASSAGES)
    vectors = embed_texts(list(PASSAGES.values()))
    query = embed_query(question)
    ranked = sorted(names, key=lambda name: -cosine(query, vectors[names.index(name)]))
    assert ranked[0] == expected, f"{question!r} ranked {ranked}"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("waht time do you open on mnday", "hours"),
        ("whats your adress", "location"),
        ("do you take delta dentl", "insurance"),
        ("do you acept insurence", "insurance"),
        ("is there a cancelation fee", "cancellation"),
        ("teeth whitenning", "services"),
    ],
)
def test_typos_still_overlap_through_character_ngrams(local, question, expected):
    test_questions_rank_the_right_passage_first(local, question, expected)


@pytest.mark.parametrize("text", ["", "   ", "?!", "the of and", "¿Qué? ¿Cómo?", "\n\t"])
def test_a_text_without_content_gets_a_fixed_unit_vector(local, text):
    vector = embed_query(text)
    assert vector == list(EMPTY_VECTOR)
    assert_unit_vector(vector)
    # Cosine similarity with any real text stays a number (a zero vector would give NaN).
    assert math.isfinite(cosine(vector, embed_query(PASSAGES["hours"])))


# --- which model ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("local", "", "local-hash-384-v1"),
        ("local", "text-embedding-3-large", "local-hash-384-v1"),
        ("openai", "", "openai:text-embedding-3-small"),
        ("openai", "text-embedding-3-large", "openai:text-embedding-3-large"),
    ],
)
def test_embedding_model_names_the_provider_and_model(settings, provider, model, expected):
    settings.EMBEDDING_PROVIDER = provider
    settings.EMBEDDING_MODEL = model
    assert embedding_model() == expected


def test_an_unknown_provider_is_an_embedding_error(settings):
    settings.EMBEDDING_PROVIDER = "cohere"
    with pytest.raises(EmbeddingError, match='EMBEDDING_PROVIDER must be "local" or "openai"'):
        embed_query("hello")


# --- openai provider -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "batches"),
    [(1, [1]), (64, [64]), (65, [64, 1]), (150, [64, 64, 22])],
)
def test_openai_embeds_in_batches_of_64_asking_for_384_dimensions(openai_provider, count, batches):
    texts = [f"Passage number {i} about the clinic." for i in range(count)]
    vectors = embed_texts(texts)

    requests = openai_provider.embedding_requests
    assert [len(request.input) for request in requests] == batches
    assert [text for request in requests for text in request.input] == texts
    assert {request.dimensions for request in requests} == {EMBEDDING_DIMENSIONS}
    assert {request.model for request in requests} == {"text-embedding-3-small"}
    assert len(vectors) == count
    for vector in vectors:
        assert_unit_vector(vector)
    # In order: each text's vector is the one it gets on its own.
    assert vectors[-1] == embed_query(texts[-1])
    assert vectors[0] == embed_query(texts[0])


def test_openai_uses_the_configured_model(openai_provider, settings):
    settings.EMBEDDING_MODEL = "text-embedding-3-large"
    embed_query("Do you take Delta Dental?")
    assert openai_provider.embedding_requests[0].model == "text-embedding-3-large"
    assert embedding_model() == "openai:text-embedding-3-large"


def test_openai_skips_empty_texts_and_sends_nothing_for_no_texts(openai_provider):
    assert embed_texts([]) == []
    assert openai_provider.embedding_requests == []

    vectors = embed_texts(["", "Where can I park?", "   "])
    assert [request.input for request in openai_provider.embedding_requests] == [
        ["Where can I park?"]
    ]
    assert vectors[0] == vectors[2] == list(EMPTY_VECTOR)
    assert_unit_vector(vectors[1])


def test_openai_builds_one_client_per_settings(openai_provider, settings):
    first = embeddings._client()
    assert embeddings._client() is first
    settings.OPENAI_API_KEY = "another-test-key"
    assert embeddings._client() is not first


def test_the_test_server_answers_like_openai_without_dimensions(openai_provider, settings):
    """Without `dimensions` it returns OpenAI's default size, as floats when asked for them."""
    client = embeddings._client()
    response = client.embeddings.create(
        model="text-embedding-3-small", input="hello", encoding_format="float"
    )
    assert [len(item.embedding) for item in response.data] == [1536]
    assert openai_provider.embedding_requests[0].dimensions is None


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("server error", "The embedding provider did not answer: HTTP 500 (the test server was "),
        ("key refused", "The embedding provider did not answer: the API key was refused (HTTP 4"),
        ("unreachable", "The embedding provider did not answer: could not connect to http://"),
        ("no key", "EMBEDDING_PROVIDER is openai but OPENAI_API_KEY is not set."),
        ("wrong size", 'The embedding model "text-embedding-3-small" returned 10 dimensions and '),
    ],
    ids=["server error", "key refused", "unreachable", "no key", "wrong size"],
)
def test_openai_failures_are_plain_embedding_errors(openai_provider, settings, case, message):
    if case == "server error":
        openai_provider.reset(fail_with_status=500)
    elif case == "key refused":
        openai_provider.reset(fail_with_status=401)
    elif case == "unreachable":
        settings.OPENAI_BASE_URL = closed_port_url()
    elif case == "no key":
        settings.OPENAI_API_KEY = ""
    elif case == "wrong size":
        # Like a model that ignores the `dimensions` parameter.
        openai_provider.reset(embedding_dimensions=10)

    with pytest.raises(EmbeddingError) as caught:
        embed_texts(["When do you open?", "Do you take Delta Dental?"])

    text = str(caught.value)
    assert text.startswith(message)
    # A sentence for staff: one line, no SDK dump.
    assert text.endswith(".") and "\n" not in text and "{" not in text
    if case == "wrong size":
        assert "384 are needed" in text and "text-embedding-3-small" in text
    if case == "no key":
        assert openai_provider.embedding_requests == []
