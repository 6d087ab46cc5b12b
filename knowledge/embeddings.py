"""Text embeddings, behind one module: the only place that turns text into vectors.

Contract:

- `embed_texts(texts)` returns one vector per text, in order; `embed_query(text)` returns the
  vector for a search question, in the same space. Every vector has EMBEDDING_DIMENSIONS (384)
  floats and unit length, so pgvector's cosine distance is always defined.
- `embedding_model()` is the name recorded on each chunk; vectors from different names must
  never be compared (re-embed when it changes).
- Any failure (provider down, misconfigured, wrong vector size) raises `EmbeddingError`, whose
  str() is a plain sentence that can be shown to staff.
- A text with nothing to embed (empty, or only punctuation and stopwords) gets `EMPTY_VECTOR`:
  1.0 in the first component and 0.0 elsewhere. A zero vector would make cosine distance NaN.

Providers (settings.EMBEDDING_PROVIDER):

- "local" (default): feature hashing, no download and no network; deterministic across
  processes and machines (stable blake2b hashes, never the per-process salted `hash()`).
  Words are lowercased, stripped of accents, English and Spanish stopwords dropped (digits and
  number words kept) and lightly stemmed (see `stem`). Features, hashed into 384 signed
  buckets with sublinear term frequency (1 + log tf):
    * each stem, weight 1.0;
    * each pair of adjacent stems, weight 0.5 (phrases such as "delta dental");
    * the 3- and 4-character n-grams of each stem padded with spaces, weight 0.3, so that
      typos and morphology the stemmer misses still overlap.
- "openai": any OpenAI-compatible `/v1/embeddings` (OPENAI_API_KEY, OPENAI_BASE_URL,
  EMBEDDING_MODEL, default "text-embedding-3-small"), asked for 384 dimensions, in batches of
  64 texts. The model must support the `dimensions` parameter.
"""

import hashlib
import itertools
import math
import re
import threading
import unicodedata
from collections import Counter
from functools import lru_cache

from django.conf import settings
from openai import APIConnectionError, APIStatusError, APITimeoutError, OpenAI, OpenAIError

from knowledge.models import EMBEDDING_DIMENSIONS

LOCAL_MODEL_NAME = f"local-hash-{EMBEDDING_DIMENSIONS}-v1"
DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
OPENAI_BATCH_SIZE = 64
OPENAI_TIMEOUT_SECONDS = 30

# The vector of a text without features: any fixed unit vector works; this one is obvious.
EMPTY_VECTOR: tuple[float, ...] = (1.0,) + (0.0,) * (EMBEDDING_DIMENSIONS - 1)

WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.5
NGRAM_WEIGHT = 0.3


class EmbeddingError(Exception):
    """Embedding failed (provider down, misconfigured, wrong size); str() is a plain sentence
    for staff."""


def embedding_model() -> str:
    """The name recorded on each chunk: "local-hash-384-v1" for the local provider,
    "openai:<model>" for openai (model default "text-embedding-3-small")."""
    provider = _provider()
    if provider == "local":
        return LOCAL_MODEL_NAME
    return f"openai:{_openai_model()}"


def embed_texts(texts: list[str]) -> list[list[float]]:
    """One unit-length vector of EMBEDDING_DIMENSIONS floats per text, in order.

    Raises EmbeddingError.
    """
    if _provider() == "local":
        return [_local_vector(text) for text in texts]
    return _openai_vectors(texts)


def embed_query(text: str) -> list[float]:
    """The vector for a search question (same space as embed_texts)."""
    return embed_texts([text])[0]


def _provider() -> str:
    provider = settings.EMBEDDING_PROVIDER
    if provider not in ("local", "openai"):
        raise EmbeddingError(f'EMBEDDING_PROVIDER must be "local" or "openai", not "{provider}".')
    return provider


# --- local provider: text -> stems ---------------------------------------------------------

# Words that carry no topic. Number words ("one", "dos", ...), negations ("no", "not"), "am"
# and "may" (times and a month) are deliberately absent. Compared after lowercasing and
# stripping accents, so "qué" is "que".
_STOPWORD_TEXT = """
    a an the of to and or but if then than so as at by for from in into on onto off out over
    with without about above after before up down is are was were be been being do does did
    doing have has had having i me my mine we us our ours you your yours he him his she her
    hers it its they them their theirs this that these those there here what which who whom
    whose when where why how can could would should will shall might must let lets
    just also very too all any some each such own same other only again once s t d ll m re ve
    please hi hello thanks
    el la los las lo le les de del al que y e o u en un una unos unas es son fue ser estar
    esta este estos estas esto ese esa esos esas eso aquel por para con se su sus mi mis tu
    tus te me nos vos os usted ustedes ellos ellas nosotros yo como cuando donde cual cuales
    quien quienes cuanto cuanta muy mas pero si ya hay ha han he hemos sobre entre hasta desde
    tambien porque pues cada ni sin
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Runs of letters (any script) or runs of digits: "8am" is two tokens, "8" and "am".
_TOKEN = re.compile(r"[^\W\d_]+|\d+")

# Step 1 of `stem`: Spanish first-person-plural and past endings (then "ies" and "s").
_INFLECTIONS = ("ieron", "amos", "emos", "imos", "aron")
# Step 2 of `stem`: verb and noun endings of both languages, longest first.
_ENDINGS = ("iendo", "acion", "ation", "ando", "ing", "ed", "er", "ar", "ir", "en", "an")
# A stem keeps at least this many letters: "open" must not lose "en", nor "need" its "ed".
_MIN_STEM = 3


def stem(word: str) -> str:
    """Strip common English and Spanish endings from a lowercase, accent-free word.

    A stem always keeps at least three letters; digits and words of three letters or fewer are
    left alone. In order:

    1. one inflection: "amos", "emos", "imos", "aron", "ieron"; else "ies" -> "y"; else a
       final "s" unless after s, u or i ("hours" -> "hour", "dias" -> "dia", "abrimos" ->
       "abr", "address" and "bus" unchanged);
    2. then, for as long as one applies, a final vowel a, e or o, or one of the endings
       "iendo", "acion", "ation", "ando", "ing", "ed", "er", "ar", "ir", "en", "an"
       ("opening"/"opened" -> "open", "abren"/"abre"/"abrir" -> "abr", "hora" -> "hor",
       "cancelaciones" -> "cancel", "offered" -> "offer" -> "off", like "offer");
    3. a doubled final consonant other than "s" is halved ("cancelled" -> "cancel", "call" ->
       "cal").

    Repeating step 2 until nothing applies is what brings most inflections of a word to one
    stem ("prepared" and "prepare" both end at "prep").
    """
    if len(word) <= _MIN_STEM or word.isdigit():
        return word
    for ending in _INFLECTIONS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            word = word[: -len(ending)]
            break
    else:
        if word.endswith("ies") and len(word) - 2 >= _MIN_STEM:
            word = word[:-3] + "y"
        elif word.endswith("s") and word[-2] not in "sui" and len(word) - 1 >= _MIN_STEM:
            word = word[:-1]
    while True:
        if word[-1] in "aeo" and len(word) - 1 >= _MIN_STEM:
            word = word[:-1]
            continue
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
                word = word[: -len(ending)]
                break
        else:
            break
    if len(word) > _MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeious":
        word = word[:-1]
    return word


# NFKD splits "á" into "a" and a combining accent; these are the accents of Latin, Greek and
# Cyrillic letters. One regex over this block is much faster than unicodedata.combining() on
# every character.
_ACCENTS = re.compile("[\u0300-\u036f]")


def _strip_accents(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text))


@lru_cache(maxsize=1 << 16)
def _content_stem(word: str) -> str:
    """The word's stem, or "" for a stopword or a single letter."""
    # Single letters are noise ("a", "y", the "s" of "clinic's"); single digits are not.
    if word in STOPWORDS or (len(word) == 1 and not word.isdigit()):
        return ""
    return stem(word)


def words(text: str) -> list[str]:
    """The text's words (runs of letters or of digits), lowercase and without accents."""
    return _TOKEN.findall(_strip_accents(text))


def stems(text: str) -> list[str]:
    """The text's content words, normalised and stemmed, in order."""
    return [word for word in map(_content_stem, words(text)) if word]


# --- local provider: stems -> vector -------------------------------------------------------
# Documents repeat their vocabulary, so the hashing of each distinct feature is cached: that
# keeps ingestion of thousands of chunks to seconds. Bounded, so a worker does not grow forever.


def _signed_bucket(feature: str, weight: float) -> tuple[int, float]:
    """The feature's dimension and signed weight; stable across processes, unlike hash()."""
    value = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    # The sign comes from bits the index does not use: colliding features cancel out on
    # average instead of always adding up.
    return value % EMBEDDING_DIMENSIONS, weight if (value >> 40) & 1 else -weight


# Each kind of feature is hashed under its own prefix, so the word "abr" and the n-gram "abr"
# land in unrelated buckets.
@lru_cache(maxsize=1 << 17)
def _word_bucket(word: str) -> tuple[int, float]:
    return _signed_bucket(f"w:{word}", WORD_WEIGHT)


@lru_cache(maxsize=1 << 17)
def _bigram_bucket(pair: tuple[str, str]) -> tuple[int, float]:
    return _signed_bucket(f"b:{pair[0]} {pair[1]}", BIGRAM_WEIGHT)


@lru_cache(maxsize=1 << 17)
def _ngram_bucket(gram: str) -> tuple[int, float]:
    return _signed_bucket(f"c:{gram}", NGRAM_WEIGHT)


@lru_cache(maxsize=1 << 16)
def _ngrams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i : i + 3] for i in range(len(padded) - 2)) + tuple(
        padded[i : i + 4] for i in range(len(padded) - 3)
    )


# Sublinear term frequency, 1 + log(tf), precomputed for the counts a chunk can reach.
_SUBLINEAR = [0.0] + [1.0 + math.log(count) for count in range(1, 4096)]
_SUBLINEAR_SIZE = len(_SUBLINEAR)


def _local_vector(text: str) -> list[float]:
    words = stems(text)
    if not words:
        return list(EMPTY_VECTOR)
    vector = [0.0] * EMBEDDING_DIMENSIONS
    features = (
        (Counter(words), _word_bucket),
        (Counter(itertools.pairwise(words)), _bigram_bucket),
        (Counter(itertools.chain.from_iterable(map(_ngrams, words))), _ngram_bucket),
    )
    for counts, bucket in features:
        for feature, count in counts.items():
            index, weight = bucket(feature)
            tf = _SUBLINEAR[count] if count < _SUBLINEAR_SIZE else 1.0 + math.log(count)
            vector[index] += weight * tf
    # Signed features cancelling out exactly is vanishingly rare, but cosine needs a direction.
    return _unit(vector) or list(EMPTY_VECTOR)


def _unit(vector: list[float]) -> list[float] | None:
    """The vector scaled to length 1; None when it has no direction (zero, NaN or infinite)."""
    norm = math.hypot(*vector)
    if not norm or not math.isfinite(norm):
        return None
    return [value / norm for value in vector]


# --- openai provider -----------------------------------------------------------------------


def _openai_model() -> str:
    return settings.EMBEDDING_MODEL or DEFAULT_OPENAI_MODEL


_clients: dict[tuple[str, str], OpenAI] = {}
_clients_lock = threading.Lock()


def _client() -> OpenAI:
    """The process's client for the current settings, built once (it loads the CA bundle)."""
    if not settings.OPENAI_API_KEY:
        raise EmbeddingError("EMBEDDING_PROVIDER is openai but OPENAI_API_KEY is not set.")
    key = (settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL or "")
    with _clients_lock:
        if key not in _clients:
            _clients[key] = OpenAI(
                api_key=key[0],
                base_url=key[1] or None,
                max_retries=1,
                timeout=OPENAI_TIMEOUT_SECONDS,
            )
        return _clients[key]


def _openai_vectors(texts: list[str]) -> list[list[float]]:
    client = _client()
    model = _openai_model()
    vectors: list[list[float]] = [list(EMPTY_VECTOR) for _ in texts]
    # The API refuses empty input; such texts get EMPTY_VECTOR, as with the local provider.
    wanted = [index for index, text in enumerate(texts) if text.strip()]
    for start in range(0, len(wanted), OPENAI_BATCH_SIZE):
        indexes = wanted[start : start + OPENAI_BATCH_SIZE]
        batch = [texts[index] for index in indexes]
        for index, vector in zip(indexes, _openai_batch(client, model, batch), strict=True):
            vectors[index] = vector
    return vectors


def _openai_batch(client: OpenAI, model: str, batch: list[str]) -> list[list[float]]:
    try:
        response = client.embeddings.create(
            model=model, input=batch, dimensions=EMBEDDING_DIMENSIONS
        )
    # ValueError: the SDK's own check of the response body ("No embedding data received").
    except (OpenAIError, ValueError) as exc:
        raise EmbeddingError(f"The embedding provider did not answer: {_describe(exc)}.") from exc
    data = sorted(response.data, key=lambda item: item.index)
    if len(data) != len(batch):
        raise EmbeddingError(
            f"The embedding provider returned {len(data)} vectors for {len(batch)} texts."
        )
    vectors = []
    for item in data:
        try:
            vector = [float(value) for value in item.embedding]
        except (TypeError, ValueError) as exc:
            # The SDK does not validate response bodies: a broken server can send anything.
            raise EmbeddingError(
                f'The embedding model "{model}" returned something that is not a vector.'
            ) from exc
        if len(vector) != EMBEDDING_DIMENSIONS:
            raise EmbeddingError(
                f'The embedding model "{model}" returned {len(vector)} dimensions and '
                f"{EMBEDDING_DIMENSIONS} are needed: set EMBEDDING_MODEL to a model that "
                f'supports the "dimensions" parameter, such as {DEFAULT_OPENAI_MODEL}.'
            )
        unit = _unit(vector)
        if unit is None:
            raise EmbeddingError(f'The embedding model "{model}" returned an unusable vector.')
        vectors.append(unit)
    return vectors


def _describe(exc: Exception) -> str:
    """The SDK's exception as a short phrase a member of staff can act on."""
    if isinstance(exc, APITimeoutError):
        return f"no reply within {OPENAI_TIMEOUT_SECONDS} seconds"
    if isinstance(exc, APIConnectionError):
        return f"could not connect to {settings.OPENAI_BASE_URL or 'the OpenAI API'}"
    if isinstance(exc, APIStatusError):
        if exc.status_code in (401, 403):
            return f"the API key was refused (HTTP {exc.status_code})"
        # The SDK keeps the body's "error" object; its message is the useful part.
        body = exc.body if isinstance(exc.body, dict) else {}
        message = str(body.get("message") or "").rstrip(".")
        return f"HTTP {exc.status_code}" + (f" ({message})" if message else "")
    return str(exc).rstrip(".") or type(exc).__name__
