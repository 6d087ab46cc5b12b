"""What the caller hears: LLM text shaped for text-to-speech, streamed as clause-sized frames."""

import re

import pytest

from calls.speech import MAX_FRAME_CHARS, SpeechChunker, sanitize_for_speech

ANSWER = (
    "Sure! We open at 8 a.m. on Mondays, and close at 6 p.m. You can book at "
    "https://brightsmile.com/book or email info@brightsmile.com."
)
ANSWER_FRAMES = [
    "Sure!",
    " We open at 8 a.m.",
    " on Mondays, and close at 6 p.m.",
    " You can book at brightsmile dot com or email info at brightsmile dot com.",
]
SPANISH_ANSWER = "¡Claro! Abrimos a las ocho. Escríbanos a info@brightsmile.com."
SPANISH_FRAMES = [
    "¡Claro!",
    " Abrimos a las ocho.",
    " Escríbanos a info arroba brightsmile punto com.",
]


def slices(text: str, size: int) -> list[str]:
    return [text[index : index + size] for index in range(0, len(text), size)]


def llm_tokens(text: str) -> list[str]:
    """Pieces the way an LLM streams them: a leading space, then up to four characters."""
    return re.findall(r"\s*\S{1,4}|\s+", text)


def stream(pieces: list[str], chunker: SpeechChunker | None = None) -> list[str]:
    chunker = chunker or SpeechChunker()
    frames: list[str] = []
    for piece in pieces:
        frames += chunker.feed(piece)
    return frames + chunker.flush()


def words_of(frames: list[str]) -> list[str]:
    return [word for frame in frames for word in frame.split()]


# --- sanitize_for_speech ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("# Our hours", "Our hours"),
        ("## Hours\nWe open at 8.", "Hours. We open at 8."),
        ("We are **open** today.", "We are open today."),
        ("We are *really* open.", "We are really open."),
        ("We are __open__ and _ready_.", "We are open and ready."),
        ("Keep snake_case_names as they are.", "Keep snake_case_names as they are."),
        ("Run `make test` now.", "Run make test now."),
        ("Say this:\n```text\nhello there\n```", "Say this: hello there."),
        ("> Quoted advice.", "Quoted advice."),
        ("- Cleanings\n- Fillings\n- Crowns", "Cleanings. Fillings. Crowns"),
        ("* Cleanings\n* Fillings", "Cleanings. Fillings"),
        ("• Cleanings\n• Fillings", "Cleanings. Fillings"),
        ("1. Call us\n2) Book online", "Call us. Book online"),
        ("We offer:\n- Cleanings,\n- Fillings!", "We offer: Cleanings, Fillings!"),
        ("| Day | Hours |\n|---|:---:|\n| Monday | 8 to 6 |", "Day, Hours. Monday, 8 to 6"),
        ("Intro.\n\n---\n\nMore.", "Intro. More."),
        ("Book [online](https://brightsmile.com/book) today.", "Book online today."),
        ("Read [our new price list](https://x.co/p?a=1).", "Read our new price list."),
    ],
)
def test_markdown_is_removed(text: str, spoken: str) -> None:
    assert sanitize_for_speech(text) == spoken


@pytest.mark.parametrize(
    ("text", "language", "spoken"),
    [
        ("Email info@brightsmile.com.", "en", "Email info at brightsmile dot com."),
        (
            "Escríbanos a info@brightsmile.com.",
            "es",
            "Escríbanos a info arroba brightsmile punto com.",
        ),
        (
            "Write to john.doe@bright-smile.co.uk today",
            "en-US",
            "Write to john dot doe at bright-smile dot co dot uk today",
        ),
        ("Visit https://www.brightsmile.com/book?x=1 now", "en", "Visit brightsmile dot com now"),
        ("Visite https://www.brightsmile.com/book?x=1.", "es-MX", "Visite brightsmile punto com."),
        ("See http://brightsmile.com.", "en", "See brightsmile dot com."),
        ("Go to www.brightsmile.com/hours, please.", "en", "Go to brightsmile dot com, please."),
        ("Go to brightsmile.com.", "en", "Go to brightsmile dot com."),
        ("Vaya a brightsmile.com, por favor.", "es", "Vaya a brightsmile punto com, por favor."),
        ("Book at brightsmile.com/book today", "en", "Book at brightsmile dot com today"),
        ("[Our site](https://brightsmile.com) is open.", "en", "Our site is open."),
        (
            "[info@brightsmile.com](mailto:info@brightsmile.com)",
            "es",
            "info arroba brightsmile punto com",
        ),
        ("<https://brightsmile.com>", "en", "brightsmile dot com"),
        ("Write to a@b.co", "fr", "Write to a at b dot co"),
    ],
)
def test_addresses_are_spoken(text: str, language: str, spoken: str) -> None:
    assert sanitize_for_speech(text, language) == spoken


@pytest.mark.parametrize(
    "text",
    [
        "We open at 8.30 a.m. and close at 6 p.m.",
        "It costs 3.5 dollars, or 3,5 euros.",
        "Dr. Smith sees patients at 9 a.m., e.g. on Mondays.",
        "El Dr. García atiende a las 8.30, de lunes a viernes.",
        "Call +1 555 0100 or ask for Ms. Lee.",
        "A cleaning is $80, €75 or £70.",
        '¿Qué tal? ¡Muy bien! Mañana, señor Núñez: "sí" (o no) - claro.',
        "She's the Ph.D. from the U.S. team.",
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_clean_text_numbers_and_abbreviations_are_untouched(text: str, language: str) -> None:
    assert sanitize_for_speech(text, language) == text


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Great news 🎉!", "Great news!"),
        ("Thanks 👍🏽 see you", "Thanks see you"),
        ("We ❤️ our patients", "We our patients"),
        ("👨‍👩‍👧 Family plans", "Family plans"),
        ("Flag 🇺🇸 here", "Flag here"),
        ("Press 1️⃣ now", "Press 1 now"),
        ("¡Hola! 😊", "¡Hola!"),
        ("Bell\x07 ring\u200b", "Bell ring"),
        ("a {b} [c] <d> \\e ^f ~g|h", "a b c d e f g, h"),
    ],
)
def test_emoji_and_unsayable_characters_are_removed(text: str, spoken: str) -> None:
    assert sanitize_for_speech(text) == spoken


@pytest.mark.parametrize(
    ("text", "language", "spoken"),
    [
        ("Tom & Jerry", "en", "Tom and Jerry"),
        ("Tom & Jerry", "es", "Tom y Jerry"),
        ("Save 20% today", "en", "Save 20 percent today"),
        ("Ahorre 20 % hoy", "es", "Ahorre 20 por ciento hoy"),
        ("2+2", "en", "2 plus 2"),
        ("cleaning + whitening", "es", "cleaning más whitening"),
        ("Find us @brightsmile", "en", "Find us at brightsmile"),
        ("Búsquenos @brightsmile", "es", "Búsquenos arroba brightsmile"),
    ],
)
def test_symbols_are_spoken(text: str, language: str, spoken: str) -> None:
    assert sanitize_for_speech(text, language) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        (" hello", " hello"),
        ("hello ", "hello "),
        ("  hello  \t world \n", " hello world "),
        (" ", " "),
        ("\n", " "),
        ("", ""),
        ("😀", ""),
        (" 😀 ", " "),
        ("Sure.\n\nWe open", "Sure. We open"),
        ("Sure\nWe open", "Sure. We open"),
    ],
)
def test_whitespace_is_collapsed_but_kept_at_the_edges(text: str, spoken: str) -> None:
    assert sanitize_for_speech(text) == spoken


@pytest.mark.parametrize("text", [ANSWER, SPANISH_ANSWER, "- **Mon**: 8 & 6\n- Tue 🎉", " x "])
def test_sanitizing_twice_changes_nothing(text: str) -> None:
    once = sanitize_for_speech(text, "es")
    assert sanitize_for_speech(once, "es") == once


# --- SpeechChunker ---------------------------------------------------------------------------


def test_a_frame_comes_out_as_soon_as_its_clause_ends() -> None:
    chunker = SpeechChunker()
    assert chunker.feed("Sure!") == []
    assert chunker.feed(" We") == ["Sure!"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, len(ANSWER)])
def test_streamed_answer_gives_the_same_frames_however_it_is_split(size: int) -> None:
    frames = stream(slices(ANSWER, size))
    assert frames == ANSWER_FRAMES
    assert "".join(frames) == sanitize_for_speech(ANSWER)


def test_each_frame_is_emitted_by_the_whitespace_after_its_terminator() -> None:
    chunker = SpeechChunker()
    emitted_by: list[str] = []
    for index, char in enumerate(ANSWER):
        emitted_by += [ANSWER[: index + 1]] * len(chunker.feed(char))
    assert len(emitted_by) == len(ANSWER_FRAMES) - 1  # the last frame waits for flush()
    for text_so_far in emitted_by:
        assert text_so_far[-1] == " "
        assert text_so_far[-2] in ".!?,"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "text",
    [
        ANSWER,
        SPANISH_ANSWER,
        "Our services:\n- Cleanings\n- **Fillings**, done in one visit\n\n1. Call\n2. Book\n",
        "| Day | Hours |\n|---|---|\n| Monday | 8 to 6 |\n| Saturday | 9 to 1 |",
        "Great! 🎉\nSee you *soon*, at [our new office](https://brightsmile.com/new).",
        "Costs: 20% off & free X-rays + cleaning; call @brightsmile or dr.smith@brightsmile.com.",
        "Well... I think so; yes. “Quoted.” (Parenthetical.) Next",
    ],
)
def test_joined_frames_equal_the_sanitized_answer(text: str, language: str) -> None:
    expected = sanitize_for_speech(text, language).strip()
    for pieces in (slices(text, 1), slices(text, 4), llm_tokens(text), [text]):
        frames = stream(pieces, SpeechChunker(language))
        assert "".join(frames) == expected
        assert words_of(frames) == expected.split()  # so no frame split a word
        assert all(frame.strip() for frame in frames)


def test_a_long_sentence_is_cut_at_word_boundaries_within_the_limit() -> None:
    text = " ".join(["tooth"] * 166) + " ends"  # 1,000 characters, no punctuation
    assert len(text) == 1000
    chunker = SpeechChunker()
    during_feed: list[str] = []
    for piece in slices(text, 7):
        during_feed += chunker.feed(piece)
    frames = during_feed + chunker.flush()
    assert len(during_feed) >= 3  # frames flow before the answer ends
    assert all(len(frame) <= MAX_FRAME_CHARS for frame in frames)
    assert "".join(frames) == text
    assert words_of(frames) == text.split()


@pytest.mark.parametrize("max_chars", [30, 45, 60])
def test_frames_respect_a_custom_limit_even_when_speaking_expands_text(max_chars: int) -> None:
    text = "Email info@brightsmile.com now, or visit https://brightsmile.com today & tomorrow."
    frames = stream(llm_tokens(text), SpeechChunker(max_chars=max_chars))
    assert all(0 < len(frame) <= max_chars for frame in frames)
    assert "".join(frames) == sanitize_for_speech(text)


def test_a_url_streamed_in_pieces_is_spoken_as_a_whole() -> None:
    chunker = SpeechChunker()
    frames: list[str] = []
    for piece in ["Sure, you can book at ", "https://bri", "ghtsmile.c", "om/book ", "or call. "]:
        frames += chunker.feed(piece)
    assert frames == ["Sure, you can book at brightsmile dot com or call."]
    assert chunker.feed("Bye") == []
    assert chunker.flush() == [" Bye"]


def test_a_markdown_link_with_spaces_is_held_until_it_closes() -> None:
    pieces = [
        "Book on ",
        "[our online",
        " booking page, which ",
        "is open](https://bri",
        "ghtsmile.com/book",
        ") today. ",
        "Bye",
    ]
    assert stream(pieces) == ["Book on our online booking page, which is open today.", " Bye"]


def test_a_bold_span_is_not_cut_in_the_middle() -> None:
    text = "**Please note that we are closed on Sundays, and on holidays**, so call early."
    assert stream(llm_tokens(text)) == [
        "Please note that we are closed on Sundays, and on holidays,",
        " so call early.",
    ]


@pytest.mark.parametrize(
    ("text", "frames"),
    [
        (
            "Yes, we are open on Saturdays, from nine to noon.",
            ["Yes, we are open on Saturdays,", " from nine to noon."],
        ),
        (
            "Dr. Smith will see you at 9 a.m. tomorrow.",
            ["Dr. Smith will see you at 9 a.m.", " tomorrow."],
        ),
        ("1. Call us\n2. Book online", ["Call us.", " Book online"]),
        ("Our services:\n- Cleanings\n- Fillings\n", ["Our services:", " Cleanings.", " Fillings"]),
        ("Well... maybe. Or not", ["Well...", " maybe.", " Or not"]),
    ],
)
def test_clause_boundaries(text: str, frames: list[str]) -> None:
    assert stream(slices(text, 2)) == frames


@pytest.mark.parametrize(
    ("pieces", "spoken"),
    [
        (["See you", " ", "😀", " ", "soon."], "See you soon."),
        (["Great!", " ", "🎉", "\n", "See you soon."], "Great! See you soon."),
        (["Great!", " 🎉", "\n", "Bye"], "Great! Bye"),
    ],
)
def test_an_emoji_only_piece_does_not_glue_words(pieces: list[str], spoken: str) -> None:
    assert "".join(stream(pieces)) == spoken


def test_a_dropped_frame_keeps_its_space_when_the_limit_forces_hard_cuts() -> None:
    frames = stream(["Hi ", "🎉" * 12, "there"], SpeechChunker(max_chars=10))
    assert "".join(frames) == "Hi there"


def test_flush_returns_the_tail_and_resets() -> None:
    chunker = SpeechChunker()
    assert chunker.feed("Hello there") == []
    assert chunker.flush() == ["Hello there"]
    assert chunker.flush() == []
    assert chunker.feed("- Next answer. ") == ["Next answer."]
    assert chunker.flush() == []


@pytest.mark.parametrize("size", [1, 4, 9])
@pytest.mark.parametrize("language", ["es", "es-MX"])
def test_spanish_answer(size: int, language: str) -> None:
    frames = stream(slices(SPANISH_ANSWER, size), SpeechChunker(language))
    assert frames == SPANISH_FRAMES
