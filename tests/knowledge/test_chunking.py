"""Documents are cut into passages that keep their headings, respect sentences and overlap."""

import io
import itertools

import docx
import pytest

from knowledge.chunking import ChunkDraft, chunk_text
from knowledge.extraction import extract_text


def pairs(chunks: list[ChunkDraft]) -> list[tuple[str, str]]:
    return [(chunk.heading, chunk.text) for chunk in chunks]


# --- Headings ------------------------------------------------------------------------------


def test_headings_stay_with_their_text_and_give_its_path():
    text = (
        "# Opening hours\n\n"
        "We open on weekdays.\n\n"
        "## Weekdays\n\n"
        "Monday to Friday, 8:00 to 20:00.\n\n"
        "### Lunch\n\n"
        "Closed from 14:00 to 15:00.\n\n"
        "## Holidays\n\n"
        "Closed on public holidays.\n\n"
        "# Prices\n\n"
        "A check-up costs 40 euros."
    )
    assert pairs(chunk_text(text)) == [
        ("Opening hours", "We open on weekdays."),
        ("Opening hours › Weekdays", "Monday to Friday, 8:00 to 20:00."),  # noqa: RUF001
        ("Opening hours › Weekdays › Lunch", "Closed from 14:00 to 15:00."),  # noqa: RUF001
        ("Opening hours › Holidays", "Closed on public holidays."),  # noqa: RUF001
        ("Prices", "A check-up costs 40 euros."),
    ]


def test_text_before_the_first_heading_has_an_empty_heading():
    chunks = chunk_text("Welcome to Sonrisa Dental.\n\n# Hours\n\nWeekdays only.")
    assert pairs(chunks) == [("", "Welcome to Sonrisa Dental."), ("Hours", "Weekdays only.")]


def test_a_heading_without_text_gives_no_chunk_but_names_its_subsections():
    text = "# Services\n\n## Cleaning\n\nTwice a year.\n\n# Empty section\n\n# Contact\n\nCall us."
    assert pairs(chunk_text(text)) == [
        ("Services › Cleaning", "Twice a year."),  # noqa: RUF001
        ("Contact", "Call us."),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("# A\n### C\nSkipped level.", [("A › C", "Skipped level.")], id="skip"),  # noqa: RUF001
        pytest.param("## Hours ##\nOpen.", [("Hours", "Open.")], id="closing-hashes"),
        pytest.param("# Learning C#\nA course.", [("Learning C#", "A course.")], id="c-sharp"),
        pytest.param("#hashtag\nNot a heading.", [("", "#hashtag\nNot a heading.")], id="tag"),
        pytest.param("####### Seven\nToo deep.", [("", "####### Seven\nToo deep.")], id="7"),
        pytest.param(
            "# Setup\n```\n# not a heading\nrun it\n```",
            [("Setup", "```\n# not a heading\nrun it\n```")],
            id="code-fence",
        ),
    ],
)
def test_only_markdown_heading_lines_start_sections(text, expected):
    assert pairs(chunk_text(text)) == expected


def test_a_document_of_only_headings_or_nothing_gives_no_chunks():
    assert chunk_text("# Title\n\n## Section\n") == []
    assert chunk_text("") == []
    assert chunk_text("\n \n\t\n") == []


# --- Packing and sizes ---------------------------------------------------------------------


def test_short_paragraphs_share_a_chunk_joined_by_a_blank_line():
    text = "# Parking\n\nFree for patients.\n\n\n\nBehind the building.\n\nSpaces: 12."
    assert pairs(chunk_text(text)) == [
        ("Parking", "Free for patients.\n\nBehind the building.\n\nSpaces: 12.")
    ]


def test_paragraphs_are_not_split_when_they_fit_a_chunk_of_their_own():
    first = "The clinic is on the ground floor, next to the pharmacy."  # 56 chars
    second = "Wheelchair access is through the side door on Elm Street."  # 57 chars
    chunks = chunk_text(f"{first}\n\n{second}", max_chars=100, overlap_chars=0)
    assert [chunk.text for chunk in chunks] == [first, second]


LONG_SECTION = " ".join(
    f"Patient rule number {n} says that appointments must be confirmed by phone." for n in range(40)
)


@pytest.mark.parametrize("max_chars", [120, 200, 900])
def test_no_chunk_is_longer_than_max_chars_and_nothing_is_lost(max_chars):
    chunks = chunk_text(f"# Rules\n\n{LONG_SECTION}", max_chars=max_chars, overlap_chars=60)
    assert len(chunks) > 1
    assert all(len(chunk.text) <= max_chars for chunk in chunks)
    assert all(chunk.heading == "Rules" for chunk in chunks)
    for n in range(40):
        sentence = f"Patient rule number {n} says that appointments must be confirmed by phone."
        assert any(sentence in chunk.text for chunk in chunks)


def test_a_sentence_longer_than_max_chars_is_cut_between_words():
    words = [f"word{n}" for n in range(100)]
    sentence = " ".join(words) + "."
    chunks = chunk_text(sentence, max_chars=50, overlap_chars=10)
    assert all(len(chunk.text) <= 50 for chunk in chunks)
    # Cut only between words, and nothing repeated: no part of a sentence is "whole" overlap.
    assert " ".join(chunk.text for chunk in chunks) == sentence


def test_a_word_longer_than_max_chars_is_cut_rather_than_breaking_the_limit():
    url = "https://example.com/" + "a" * 100
    chunks = chunk_text(f"See {url} today", max_chars=40, overlap_chars=0)
    assert all(len(chunk.text) <= 40 for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks).replace(" ", "") == f"See{url}today"


# --- Sentences -----------------------------------------------------------------------------


def cut_into_sentences(sentences: list[str]) -> list[str]:
    """Chunk the sentences, as one paragraph, so tightly that each chunk holds exactly one of
    them if they are found correctly. The cases put a short sentence on each side of a tricky
    one: a fragment cut off it by mistake would be packed onto the short neighbour and show."""
    max_chars = max(len(sentence) for sentence in sentences)
    for a, b in itertools.pairwise(sentences):
        assert len(a) + 1 + len(b) > max_chars, "case too loose to show a wrong cut"
    chunks = chunk_text(" ".join(sentences), max_chars=max_chars, overlap_chars=0)
    return [chunk.text for chunk in chunks]


@pytest.mark.parametrize(
    "sentences",
    [
        pytest.param(
            [
                "Welcome.",
                "Our dentist is Dr. Pérez, who sees children.",
                "Thank you.",
                "Mrs. Smith runs the front desk on weekdays.",
                "See you.",
                "St. Mary's Hospital is next to the car park.",
                "Goodbye.",
                "Please ask J. Smith for a printed receipt.",
                "Bye now.",
            ],
            id="titles-and-initials",
        ),
        pytest.param(
            [
                "Welcome.",
                "Doors open at 8 a.m. Monday to Friday.",
                "Thank you.",
                "We close at 6 p.m. Saturday it varies.",
                "See you.",
                "Bring a card, e.g. Visa, for payment.",
                "Goodbye.",
                "We treat colds, flu, etc. and sore gums.",
                "Bye now.",
            ],
            id="a.m.-e.g.",
        ),
        pytest.param(
            [
                "Welcome.",
                "The clinic opens at 8.30 and closes at 17.45.",
                "Thank you.",
                "A check-up costs 40.50 euros, VAT included.",
                "Goodbye.",
            ],
            id="decimals",
        ),
        pytest.param(
            # Medium sentences here: left joined by mistake, they would be cut between words.
            [
                "Is the clinic open on Sundays?",
                "No, it is closed on Sundays…",
                "Call us on Monday for an appointment!",
                "Our reception team answers the phone from nine until five.",
            ],
            id="question-exclamation-ellipsis",
        ),
        pytest.param(
            [
                "Hola.",
                "¿Necesita usted una cita urgente hoy?",
                "Gracias.",
                "¡Llámenos ahora mismo al 900 100 200!",
                "Adiós.",
                "La Dra. Núñez atiende en la Avda. Mayor.",
                "Hasta luego.",
                "Abrimos a las 9.30 de lunes a viernes.",
                "Fin.",
            ],
            id="spanish",
        ),
        pytest.param(
            ["Thanks.", "Room No. 5 is on the left side.", "Bye now."],
            id="number-abbreviation",
        ),
        pytest.param(
            [
                'She said "Come early."',
                "Thank you very much.",
                "1. Bring your insurance card with you.",
                "See you.",
            ],
            id="quotes-and-numbered-item",
        ),
    ],
)
def test_chunks_are_cut_at_sentence_ends_only(sentences):
    assert cut_into_sentences(sentences) == sentences


def test_a_plain_no_answer_is_a_sentence_of_its_own():
    chunks = chunk_text(
        "Do you open on Sundays? No. We open Monday to Saturday.", max_chars=30, overlap_chars=0
    )
    assert [chunk.text for chunk in chunks] == [
        "Do you open on Sundays? No.",
        "We open Monday to Saturday.",
    ]


def test_spanish_opening_marks_start_a_sentence_even_without_a_space():
    chunks = chunk_text(
        "¡Bienvenidos a la consulta!¿En qué le ayudamos?", max_chars=30, overlap_chars=0
    )
    assert [chunk.text for chunk in chunks] == [
        "¡Bienvenidos a la consulta!",
        "¿En qué le ayudamos?",
    ]


# --- Overlap -------------------------------------------------------------------------------

SENTENCES = [f"Sentence {n} explains one clinic rule in a few plain words." for n in range(12)]


def test_consecutive_chunks_of_a_section_overlap_by_whole_sentences():
    chunks = chunk_text(" ".join(SENTENCES), max_chars=200, overlap_chars=70)
    assert len(chunks) > 2
    for previous, chunk in itertools.pairwise(chunks):
        last_sentence = previous.text.rsplit(". ", 1)[-1]
        assert last_sentence in SENTENCES
        assert chunk.text.startswith(last_sentence + " ")
    assert all(len(chunk.text) <= 200 for chunk in chunks)


def test_overlap_takes_as_many_whole_sentences_as_fit():
    short = [f"Rule {n} applies." for n in range(30)]  # 15 chars each, up to "Rule 9"
    chunks = chunk_text(" ".join(short), max_chars=100, overlap_chars=40)
    # Six sentences (95 chars) fill the first chunk; two (31 chars) fit the overlap, three not.
    assert chunks[0].text.endswith("Rule 4 applies. Rule 5 applies.")
    assert chunks[1].text.startswith("Rule 4 applies. Rule 5 applies. Rule 6 applies.")


def test_no_overlap_when_the_last_sentence_is_longer_than_overlap_chars():
    chunks = chunk_text(" ".join(SENTENCES), max_chars=200, overlap_chars=40)
    assert len(chunks) > 1
    assert " ".join(chunk.text for chunk in chunks) == " ".join(SENTENCES)


def test_no_overlap_across_sections():
    text = "# First\n\n" + " ".join(SENTENCES[:6]) + "\n\n# Second\n\n" + " ".join(SENTENCES[6:])
    chunks = chunk_text(text, max_chars=200, overlap_chars=150)
    first_of_second = next(chunk for chunk in chunks if chunk.heading == "Second")
    assert first_of_second.text.startswith(SENTENCES[6])


def test_overlap_of_zero_repeats_nothing():
    chunks = chunk_text(" ".join(SENTENCES), max_chars=200, overlap_chars=0)
    assert " ".join(chunk.text for chunk in chunks) == " ".join(SENTENCES)


@pytest.mark.parametrize(("max_chars", "overlap_chars"), [(0, 0), (-5, 0), (100, -1)])
def test_nonsense_sizes_are_refused(max_chars, overlap_chars):
    with pytest.raises(ValueError):
        chunk_text("Some text.", max_chars=max_chars, overlap_chars=overlap_chars)


def test_an_overlap_as_large_as_the_chunk_gives_way_to_new_text():
    chunks = chunk_text(" ".join(SENTENCES), max_chars=130, overlap_chars=500)
    assert all(len(chunk.text) <= 130 for chunk in chunks)
    # Two sentences fit in 130 characters: each chunk repeats one and adds the next.
    last_sentences = [chunk.text.rsplit(". ", 1)[-1] for chunk in chunks]
    assert last_sentences == SENTENCES[1:]


# --- Whole documents -----------------------------------------------------------------------

CLINIC_DOCUMENT = """# Clínica Dental Sonrisa

Somos una clínica familiar en el centro de Valencia. Atendemos a adultos y niños.

## Horario

De lunes a viernes, de 9.00 a 14.00 y de 16.00 a 20.00. Los sábados, de 10.00 a 13.00.

### Festivos

Cerramos el 25 de diciembre, el 1 de enero y el 19 de marzo. ¿Tiene una urgencia en festivo? \
¡Llame al 600 123 456 y le atenderá la Dra. Muñoz!

## Tratamientos

- Limpieza dental: 45 euros.

- Empaste: desde 60 euros.

- Ortodoncia: primera consulta gratuita.

## Cómo llegar

Estamos en la Avda. del Puerto núm. 12, junto a la farmacia. Hay aparcamiento público a \
50 metros. El autobús 19 para en la puerta.

# Preguntas frecuentes

## ¿Aceptan seguros?

Sí, trabajamos con las principales aseguradoras. Traiga su tarjeta el día de la cita.
"""


def test_realistic_clinic_document():
    chunks = chunk_text(CLINIC_DOCUMENT)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert [chunk.heading for chunk in chunks] == [
        "Clínica Dental Sonrisa",
        "Clínica Dental Sonrisa › Horario",  # noqa: RUF001
        "Clínica Dental Sonrisa › Horario › Festivos",  # noqa: RUF001
        "Clínica Dental Sonrisa › Tratamientos",  # noqa: RUF001
        "Clínica Dental Sonrisa › Cómo llegar",  # noqa: RUF001
        "Preguntas frecuentes › ¿Aceptan seguros?",  # noqa: RUF001
    ]
    by_heading = {chunk.heading: chunk.text for chunk in chunks}
    assert by_heading["Clínica Dental Sonrisa › Horario › Festivos"] == (  # noqa: RUF001
        "Cerramos el 25 de diciembre, el 1 de enero y el 19 de marzo. ¿Tiene una urgencia en "
        "festivo? ¡Llame al 600 123 456 y le atenderá la Dra. Muñoz!"
    )
    assert by_heading["Clínica Dental Sonrisa › Tratamientos"] == (  # noqa: RUF001
        "- Limpieza dental: 45 euros.\n\n- Empaste: desde 60 euros.\n\n"
        "- Ortodoncia: primera consulta gratuita."
    )
    assert all("#" not in chunk.text for chunk in chunks)


def test_realistic_clinic_document_in_small_chunks_keeps_sentences_whole():
    chunks = chunk_text(CLINIC_DOCUMENT, max_chars=120, overlap_chars=60)
    assert all(len(chunk.text) <= 120 for chunk in chunks)
    festivos = [chunk.text for chunk in chunks if chunk.heading.endswith("Festivos")]
    assert festivos == [
        "Cerramos el 25 de diciembre, el 1 de enero y el 19 de marzo. "
        "¿Tiene una urgencia en festivo?",
        "¿Tiene una urgencia en festivo? ¡Llame al 600 123 456 y le atenderá la Dra. Muñoz!",
    ]


def test_chunking_is_deterministic():
    assert chunk_text(CLINIC_DOCUMENT, max_chars=120) == chunk_text(CLINIC_DOCUMENT, max_chars=120)


def test_an_uploaded_word_document_chunks_by_its_headings():
    document = docx.Document()
    document.add_paragraph("Sonrisa Dental", style="Title")
    document.add_paragraph("Family dentistry.")
    document.add_heading("Opening hours", level=1)
    document.add_heading("Holidays", level=2)
    document.add_paragraph("Closed on 25 December.", style="List Bullet")
    data = io.BytesIO()
    document.save(data)
    text = extract_text(filename="clinic.docx", data=data.getvalue())
    assert pairs(chunk_text(text)) == [
        ("Sonrisa Dental", "Family dentistry."),
        ("Opening hours › Holidays", "- Closed on 25 December."),  # noqa: RUF001
    ]
