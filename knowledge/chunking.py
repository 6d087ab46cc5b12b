"""Cut a document's text into passages small enough to embed and quote on the phone.

Contract: `chunk_text(text)` takes the output of `extraction.extract_text` (Markdown heading
lines "#".."######" at line start, blocks separated by blank lines) and returns `ChunkDraft`s
in document order, numbered from 0.

- A heading line starts a section; a chunk never spans two sections. `heading` is the chain of
  enclosing headings joined with " › " ("" before the first heading); `text` never contains
  the heading lines, so callers decide how to show or embed the heading.
- Whole paragraphs are packed into chunks of at most `max_chars` characters of `text`. A longer
  paragraph is split between sentences, and a longer sentence between words (a single word
  longer than `max_chars`, such as a huge URL, is cut): no chunk's text exceeds `max_chars`.
- Each chunk after the first in a section starts by repeating up to `overlap_chars` of whole
  sentences from the end of the previous chunk, so an answer that straddles the cut is still
  found whole; no overlap across sections, and none when the last sentence is too long.

Pure and deterministic: no Django, no database, no network; same input, same output.
"""  # noqa: RUF002

import re
from dataclasses import dataclass

HEADING_SEPARATOR = " › "  # noqa: RUF001


@dataclass(frozen=True)
class ChunkDraft:
    ordinal: int  # position in the document, from 0
    heading: str  # the enclosing headings joined by HEADING_SEPARATOR; "" before any heading
    text: str  # the passage itself, WITHOUT the heading line(s)


def chunk_text(text: str, *, max_chars: int = 900, overlap_chars: int = 150) -> list[ChunkDraft]:
    """The document's passages, in order; see the module docstring for the rules."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if overlap_chars < 0:
        raise ValueError("overlap_chars must be at least 0")
    drafts: list[ChunkDraft] = []
    for heading, body in _sections(text):
        for passage in _pack(_paragraphs(body), max_chars, overlap_chars):
            drafts.append(ChunkDraft(ordinal=len(drafts), heading=heading, text=passage))
    return drafts


# --- Sections ------------------------------------------------------------------------------

# ATX headings as Markdown has them: up to three spaces of indent, 1-6 "#", then a space or
# the end of the line ("#hashtag" is not a heading).
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?")
# An optional closing run of "#" ("## Hours ##"), which must follow a space ("# C#" keeps it).
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r" {0,3}(```|~~~)")


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(heading path, body lines) for the text before the first heading and each heading."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    open_headings: list[tuple[int, str]] = []
    fence = ""
    for line in text.splitlines():
        # "# comment" lines inside a fenced code block are code, not headings.
        if fence_match := _FENCE.match(line):
            marker = fence_match.group(1)
            fence = "" if fence == marker else fence or marker
        elif not fence and (heading_match := _HEADING.fullmatch(line.rstrip())):
            level = len(heading_match.group(1))
            title = _CLOSING_HASHES.sub("", heading_match.group(2) or "")
            title = " ".join(title.split())
            # A heading closes every open heading at its level or deeper.
            while open_headings and open_headings[-1][0] >= level:
                open_headings.pop()
            open_headings.append((level, title))
            path = HEADING_SEPARATOR.join(name for _, name in open_headings if name)
            sections.append((path, []))
            continue
        sections[-1][1].append(line)
    return sections


def _paragraphs(lines: list[str]) -> list[str]:
    body = "\n".join(line.rstrip() for line in lines)
    return [paragraph.strip() for paragraph in re.split(r"\n\s*\n", body) if paragraph.strip()]


# --- Sentences -----------------------------------------------------------------------------

# Sentence-ending punctuation, with any closing quotes or brackets, before a space or before
# a Spanish opening ¿ or ¡ (which always starts a sentence, even without a space).
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|[¿¡])")  # noqa: RUF001
# Words that end in a period without ending the sentence: titles before names, and short
# forms usually followed by a number. Lowercase, without the final period.
_ABBREVIATIONS = frozenset(
    {
        # English
        "mr", "mrs", "ms", "dr", "drs", "prof", "sr", "jr", "st", "mt", "vs", "approx",
        "dept", "tel", "ext", "fig", "inc", "ltd", "co", "ave", "rd", "blvd",
        # Spanish
        "sra", "srta", "sres", "dra", "dres", "lic", "ing", "ud", "uds", "vd", "vds", "av",
        "avda", "c", "núm", "nº", "pág", "págs", "tlf", "telf", "aprox", "dcha", "izq",
        "izqda", "pza", "pl", "esq", "ej", "admón", "cía", "hnos",
    }
)  # fmt: skip
# "a.m.", "p.m.", "e.g.", "i.e.", "EE.UU.": periods inside the word mark an abbreviation.
# "No." is a sentence of its own ("Do you open on Sundays? No. We..."), except before a number.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos"})
_DOTTED_ABBREVIATION = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}\.?")
# "1." or "(a)" at the start of a list item is a number, not a sentence.
_ENUMERATOR = re.compile(r"(?:[-*] )?\(?(?:\d{1,3}|\w)[.)]")


def _sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences, in order, each stripped."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        if _ends_sentence(paragraph, start, match):
            sentence = paragraph[start:end].strip()
            if sentence:
                sentences.append(sentence)
            start = end
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


_NEXT_CHARACTER = re.compile(r"\s*(\S)")
_LAST_WORD = re.compile(r"\S*$")


def _ends_sentence(paragraph: str, start: int, match: re.Match[str]) -> bool:
    following = _NEXT_CHARACTER.match(paragraph, match.end())
    # A lowercase word after the period continues the sentence ("approx. ten", "etc. and").
    if following is None or following.group(1).islower():
        return False
    if re.search(r"[!?…]", match.group()):
        return True  # only a period can follow an abbreviation
    # Only the last few characters are read, so a long run of periods that end nothing
    # ("8 a.m. ... 9 a.m. ...") does not make a long paragraph slow to split.
    word = _LAST_WORD.search(paragraph[max(start, match.start() - 40) : match.start() + 1])
    word = word.group().lstrip("(¿¡\"'«“‘")  # noqa: RUF001
    bare = word.rstrip(".").lower()
    if bare in _ABBREVIATIONS or _DOTTED_ABBREVIATION.fullmatch(word):
        return False
    if bare in _NUMBER_ABBREVIATIONS and following.group(1).isdigit():
        return False
    if len(bare) == 1 and bare.isalpha():
        return False  # an initial, as in "J. Smith"
    so_far = paragraph[start : match.start() + 1].strip() if match.start() - start < 8 else ""
    return not _ENUMERATOR.fullmatch(so_far)


def _words(sentence: str, max_chars: int) -> list[str]:
    """The sentence cut between words into pieces of at most max_chars."""
    pieces: list[str] = []
    current = ""
    for word in sentence.split():
        # A word that cannot fit any piece (a long URL) is cut; nothing else would fit it.
        while len(word) > max_chars:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:max_chars])
            word = word[max_chars:]
        if not word:
            continue
        if current and len(current) + 1 + len(word) > max_chars:
            pieces.append(current)
            current = ""
        current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


# --- Packing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    paragraph: int  # pieces of the same paragraph are joined by a space, others by a blank line
    text: str
    # The whole sentences making up the piece; empty for part of a sentence cut between
    # words, which must never be repeated as overlap.
    sentences: tuple[str, ...]


def _render(pieces: list[_Piece]) -> str:
    groups: list[list[str]] = []
    previous = None
    for piece in pieces:
        if piece.paragraph != previous:
            groups.append([])
            previous = piece.paragraph
        groups[-1].append(piece.text)
    return "\n\n".join(" ".join(group) for group in groups)


def _separator_length(first: _Piece, second: _Piece) -> int:
    """The length of the separator _render puts between two neighbouring pieces."""
    return 1 if first.paragraph == second.paragraph else 2


def _split(index: int, paragraph: str, max_chars: int) -> list[_Piece]:
    """The paragraph as pieces of at most max_chars: whole if it fits, else by sentence."""
    sentences = _sentences(paragraph)
    if len(paragraph) <= max_chars:
        return [_Piece(index, paragraph, tuple(sentences))]
    pieces: list[_Piece] = []
    for sentence in sentences:
        if len(sentence) <= max_chars:
            pieces.append(_Piece(index, sentence, (sentence,)))
        else:
            pieces.extend(_Piece(index, part, ()) for part in _words(sentence, max_chars))
    return pieces


def _overlap(pieces: list[_Piece], overlap_chars: int) -> list[_Piece]:
    """The longest run of whole sentences ending the pieces that fits in overlap_chars."""
    tail: list[_Piece] = []
    length = 0  # of _render(tail), kept as we go: rendering every candidate would be slow
    for piece in reversed(pieces):
        if not piece.sentences:
            break
        for sentence in reversed(piece.sentences):
            candidate = _Piece(piece.paragraph, sentence, (sentence,))
            grown = len(sentence) + (length + _separator_length(candidate, tail[0]) if tail else 0)
            if grown > overlap_chars:
                return tail
            tail.insert(0, candidate)
            length = grown
    return tail


def _pack(paragraphs: list[str], max_chars: int, overlap_chars: int) -> list[str]:
    chunks: list[str] = []
    repeated: list[_Piece] = []  # overlap carried from the previous chunk
    fresh: list[_Piece] = []  # pieces this chunk adds
    length = 0  # of the chunk so far, _render([*repeated, *fresh])
    pieces = [
        piece
        for index, paragraph in enumerate(paragraphs)
        for piece in _split(index, paragraph, max_chars)
    ]
    for piece in pieces:
        # fresh is only empty before the first piece: after a cut it holds the new piece.
        grown = len(piece.text) + (length + _separator_length(fresh[-1], piece) if fresh else 0)
        if grown <= max_chars:
            fresh.append(piece)
            length = grown
            continue
        chunks.append(_render([*repeated, *fresh]))
        repeated = _overlap(fresh, overlap_chars)
        # The overlap gives way (oldest sentences first) to the new piece, which always fits.
        while repeated and len(_render([*repeated, piece])) > max_chars:
            repeated = repeated[1:]
        fresh = [piece]
        length = len(_render([*repeated, *fresh]))
    if fresh:
        chunks.append(_render([*repeated, *fresh]))
    return chunks
