"""Shape LLM text for a phone text-to-speech engine.

Contract:

- `sanitize_for_speech(text, language)` returns what a TTS engine should read aloud: no
  markdown, e-mail and web addresses written the way a person says them, no emoji or symbols
  the engine cannot say, whitespace collapsed to single spaces. A line break that ends a line
  without punctuation becomes ". " so list items don't run together. A single leading and a
  single trailing space survive when the input had them: streamed frames are concatenated by
  the TTS engine, so the spaces between words must not be lost. Clean text comes back unchanged.
- `SpeechChunker` turns streamed LLM pieces into frames of at most `max_chars` characters. A
  frame is emitted as soon as a clause is complete; words, e-mails, URLs and markdown links are
  never split (except a single word longer than `max_chars`). For one answer,
  `"".join(frames) == sanitize_for_speech(answer, language).strip()`.

`language` is a BCP-47 tag; only the primary subtag counts and anything but Spanish is English.
Pure functions, no I/O.
"""

import re
from dataclasses import dataclass

from calls.phrases import base_language

MAX_FRAME_CHARS = 256
# A comma, semicolon or colon only ends a frame after this many characters: "Yes," alone is
# too short to be worth a frame of its own.
MIN_SOFT_CLAUSE_CHARS = 20


@dataclass(frozen=True)
class _Words:
    dot: str
    at: str
    and_: str
    percent: str
    plus: str


_ENGLISH = _Words(dot="dot", at="at", and_="and", percent="percent", plus="plus")
_SPANISH = _Words(dot="punto", at="arroba", and_="y", percent="por ciento", plus="más")


def _words_for(language: str) -> _Words:
    return _SPANISH if base_language(language) == "es" else _ENGLISH


# --- Whole lines -------------------------------------------------------------------------------
_FENCE_OR_RULE = re.compile(r"\s*(?:`{3,}.*|~{3,}.*|([-*_])(?:\s*\1){2,}\s*)$")
_TABLE_RULE = re.compile(r"[\s|:-]*-[\s|:-]*$")
_LINE_MARKER = re.compile(r"\s*(?:>\s*)*(?:#{1,6}\s+|[-*•+]\s+|\d{1,3}[.)]\s+)?")

# --- Inside a line -----------------------------------------------------------------------------
# URL part of a link never contains whitespace, which is what lets the chunker keep links whole.
_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")
_EMPHASIS_MARKS = re.compile(r"[*`]")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)(__?)(?=[^\s_])(.+?)(?<=[^\s_])\1(?!\w)")
_EMAIL = re.compile(
    r"(?<![\w.+-])(?P<local>[A-Za-z0-9](?:[\w.+-]*[A-Za-z0-9_])?)"
    r"@(?P<domain>(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})(?![\w-])"
)
# A path may not end in punctuation: the full stop after "example.com/book." ends the sentence.
# A lone "?" is a question mark, not a query: "Is it brightsmile.com?"
_URL_CHARS = r"[^\s<>()\[\]{}\"'`]*[^\s<>()\[\]{}\"'`.,;:!?]"
_URL_PATH = rf"(?:/(?:{_URL_CHARS})?|[?#]{_URL_CHARS})?"
_WEB_ADDRESS = re.compile(
    r"(?:\bhttps?://(?:www\.)?(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
    r"|(?<![\w@/.-])www\.(?P<www_host>(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})"
    # Bare domains need a lowercase alphabetic TLD and a clean end, so "8.30", "3.5", "Dr.",
    # "a.m." and "Ph.D." are left alone.
    r"|(?<![\w@/.-])(?P<bare_host>(?:[A-Za-z0-9-]+\.)+[a-z]{2,24})"
    r"(?=[/\s.,;:!?)\"'»\u201d\u2019]|$)"
    r")(?::\d+)?" + _URL_PATH
)
_AMPERSAND_OR_AT = re.compile(r"\s*([&@])\s*")  # an "@" still here is not in an e-mail
_PERCENT = re.compile(r"(?<=\d)\s?%")
# Spaced evenly ("2+2", "a + b"); "+1 555" is a sign, which TTS engines read well.
_PLUS = re.compile(r"(?<=[\w)])(?:\+|\s+\+\s+)(?=[\w(])")
_CLOSERS = "\"')]»\u201d\u2019"  # closing quotes and brackets
_LINE_END_PUNCTUATION = ".,;:!?…"
# The space before an emoji goes with it ("Great 🎉!" -> "Great!") unless it follows punctuation,
# where a frame may start: sanitizing a frame must give what sanitizing the whole answer gives.
_PICTOGRAPHS = re.compile(
    rf"(?:(?<=[^\s{re.escape(_LINE_END_PUNCTUATION + _CLOSERS)}])\s+)?["
    "\U0001f000-\U0001faff"  # emoticons, pictographs, flags, skin tones, playing cards
    "\u2300-\u23ff"  # clocks, hourglasses, media keys
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats
    "\u2b00-\u2bff"  # stars, squares and arrows used as emoji
    "\ufe00-\ufe0f\u200d\u20e3"  # variation selectors, zero-width joiner, keycap
    "\U000e0020-\U000e007f"  # tag characters of subdivision flags
    "\ud800-\udfff"  # lone surrogates (category Cs)
    "]+"
)
_UNSAYABLE = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u2060\ufeff<>{}\[\]\\^~]"
)
_PIPES = re.compile(r"\s*\|[\s|]*")
_WHITESPACE = re.compile(r"\s+")

_PUNCTUATION_AFTER_GAP = frozenset(_LINE_END_PUNCTUATION + _CLOSERS + "}")


def sanitize_for_speech(text: str, language: str = "en") -> str:
    """Text as a TTS engine should get it: plain words, single spaces, edge spaces kept."""
    return _sanitize(text, _words_for(language), at_line_start=True)


def _sanitize(text: str, words: _Words, *, at_line_start: bool) -> str:
    if not text:
        return ""
    lines = text.split("\n")
    last_with_text = len(lines) - 1
    while last_with_text > 0 and not lines[last_with_text].strip():
        last_with_text -= 1
    spoken_lines = []
    for index, line in enumerate(lines):
        spoken = _speak_line(line, words, at_line_start=at_line_start or index > 0)
        if index < last_with_text:
            spoken = _end_line(spoken)
        if spoken:
            spoken_lines.append(spoken)
    leading = " " if text[0].isspace() else ""
    trailing = " " if text[-1].isspace() else ""
    body = " ".join(spoken_lines)
    return f"{leading}{body}{trailing}" if body else (leading or trailing)


def _speak_line(line: str, words: _Words, *, at_line_start: bool) -> str:
    if at_line_start:
        if _FENCE_OR_RULE.match(line) or ("|" in line and _TABLE_RULE.match(line)):
            return ""
        line = _LINE_MARKER.sub("", line, count=1)
    line = _MARKDOWN_LINK.sub(r"\1", line)
    # Stray stars and backticks are always markdown, paired or not, so a clause cut inside a
    # bold span still comes out clean.
    line = _EMPHASIS_MARKS.sub("", line)
    line = _EMAIL.sub(lambda match: _speak_email(match, words), line)
    line = _WEB_ADDRESS.sub(lambda match: _speak_host(match, words), line)
    line = _UNDERSCORE_EMPHASIS.sub(r"\2", line)
    line = _PIPES.sub(_pipe_gap, line)
    line = _AMPERSAND_OR_AT.sub(lambda match: _symbol_word(match, words), line)
    line = _PERCENT.sub(f" {words.percent}", line)
    line = _PLUS.sub(f" {words.plus} ", line)
    line = _PICTOGRAPHS.sub(_pictograph_gap, line)
    line = _UNSAYABLE.sub("", line)
    return _WHITESPACE.sub(" ", line).strip()


def _speak_email(match: re.Match[str], words: _Words) -> str:
    local = match["local"].replace(".", f" {words.dot} ")
    domain = match["domain"].replace(".", f" {words.dot} ")
    return f"{local} {words.at} {domain}"


def _speak_host(match: re.Match[str], words: _Words) -> str:
    host = match["host"] or match["www_host"] or match["bare_host"]
    return host.replace(".", f" {words.dot} ")


def _pictograph_gap(match: re.Match[str]) -> str:
    # "Great 🎉!" must become "Great!", not "Great !"; elsewhere the emoji separated two words.
    following = match.string[match.end() : match.end() + 1]
    return "" if not following or following in _PUNCTUATION_AFTER_GAP else " "


def _pipe_gap(match: re.Match[str]) -> str:
    # Table cells are read as a list; pipes at the edge of a row or after punctuation are silent.
    before = match.string[match.start() - 1] if match.start() else ""
    after = match.string[match.end() : match.end() + 1]
    silent = not before or not after or before in _PUNCTUATION_AFTER_GAP
    return " " if silent else ", "


def _symbol_word(match: re.Match[str], words: _Words) -> str:
    word = words.and_ if match[1] == "&" else words.at
    after = match.string[match.end() : match.end() + 1]
    return f" {word}" if not after or after in _PUNCTUATION_AFTER_GAP else f" {word} "


def _end_line(spoken: str) -> str:
    """A line break after an unpunctuated line is a full stop when spoken."""
    bare = spoken.rstrip().rstrip(_CLOSERS)
    if not bare or bare[-1] in _LINE_END_PUNCTUATION:
        return spoken
    return spoken.rstrip() + "."


def _fit(spoken: str, max_chars: int) -> list[str]:
    """Split clean text at spaces into pieces of at most max_chars (hard cut for huge words)."""
    pieces = []
    while len(spoken) > max_chars:
        cut = spoken.rfind(" ", 1, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        pieces.append(spoken[:cut])
        spoken = spoken[cut:]
    if spoken.strip():
        pieces.append(spoken)
    return pieces


# A clause ends at a terminator (plus closing quotes, brackets or markdown marks) followed by
# whitespace, or at a line break once the next line has started.
_CLAUSE_BOUNDARY = re.compile(
    rf"(?P<clause>[.!?…;:,][{re.escape(_CLOSERS)}*_`]*)(?=\s)|(?P<line>[^\S\n]*\n)(?=\s*\S)"
)
_UNDECIDED_TAIL = _LINE_END_PUNCTUATION + _CLOSERS + "*_`"
_LIST_NUMBER = re.compile(r"\s*(?:>\s*)*\d{1,3}$")
_NON_SPACE = re.compile(r"\S")
_SPACE_RUN = re.compile(r"\s+")
# Abbreviations that never end a sentence; "a.m." and "p.m." often do, so they still cut.
_TITLE_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:dra?|mrs?|ms|prof|srta?|sra|uds?|lic|ing|vs|e\.g|i\.e)\Z", re.IGNORECASE
)


def _last_gap(text: str, low: int, high: int) -> int:
    """Index of the last space, tab or line break in text[low:high], or -1."""
    return max(text.rfind(" ", low, high), text.rfind("\n", low, high), text.rfind("\t", low, high))


class SpeechChunker:
    """Turns a stream of LLM text pieces into speakable frames."""

    def __init__(self, language: str = "en", max_chars: int = MAX_FRAME_CHARS) -> None:
        if max_chars < 1:
            raise ValueError("max_chars must be positive")
        self.language = language
        self.max_chars = max_chars
        self._words = _words_for(language)
        self._reset()

    def _reset(self) -> None:
        self._buffer = ""  # raw text not yet emitted; always starts at a frame start
        self._scan_from = 0  # boundaries before this index have been decided already
        self._at_line_start = True
        self._last_frame = ""  # of this answer
        self._owe_space = False  # a dropped frame separated two words

    def feed(self, piece: str) -> list[str]:
        """Add a piece of streamed text; return the frames that are now complete (maybe [])."""
        if not piece:
            return []
        self._buffer += piece
        buffer = self._buffer
        frames: list[str] = []
        start = 0
        for boundary in _CLAUSE_BOUNDARY.finditer(buffer, self._scan_from):
            is_line_end = boundary["line"] is not None
            end = boundary.start() if is_line_end else boundary.end()
            if end > start and self._is_cut_point(boundary, start, end):
                frames += self._emit(buffer[start:end], start, ends_line=is_line_end)
                start = end
        frames += self._cut_oversized(start)
        # Text after the last whitespace, or a trailing terminator, may still become a boundary.
        self._scan_from = len(self._buffer.rstrip().rstrip(_UNDECIDED_TAIL))
        return frames

    def flush(self) -> list[str]:
        """End of the answer: return whatever is left as frames (maybe [])."""
        frames = self._cut_oversized(0)
        if self._buffer:
            frames += self._emit(self._buffer, 0, ends_line=False)
        if frames:
            # Nothing follows, so a trailing space would separate nothing.
            frames[-1] = frames[-1].rstrip()
        self._reset()
        return frames

    def _is_cut_point(self, boundary: re.Match[str], start: int, end: int) -> bool:
        buffer = self._buffer
        if not _NON_SPACE.search(buffer, start, end):
            return False
        # Never cut inside a markdown link's [text], a **bold** span or a `code` span.
        if (
            buffer.count("[", start, end) > buffer.count("]", start, end)
            or buffer.count("**", start, end) % 2
            or buffer.count("`", start, end) % 2
        ):
            return False
        if boundary["line"] is not None:
            return True
        mark_at = boundary.start()
        mark = buffer[mark_at]
        if mark in ",;:":
            return end - start >= MIN_SOFT_CLAUSE_CHARS
        if mark == ".":
            if _TITLE_ABBREVIATION.search(buffer, max(start, mark_at - 6), mark_at):
                return False
            # "1." opening a numbered list item is a marker, not a sentence.
            line_start = buffer.rfind("\n", start, mark_at) + 1
            if (line_start or (start == 0 and self._at_line_start)) and _LIST_NUMBER.match(
                buffer, line_start, mark_at
            ):
                return False
        return True

    def _cut_oversized(self, start: int) -> list[str]:
        """Cut frames from buffer[start:] while it is longer than max_chars; keep the rest."""
        buffer = self._buffer
        frames: list[str] = []
        # Trailing whitespace waits: whether it holds a line break that ends a line is not known.
        content_end = len(buffer.rstrip())
        while content_end - start > self.max_chars:
            limit = start + self.max_chars
            gap = _last_gap(buffer, start + 1, limit + 1)
            # Prefer the gap before a link that does not close inside the frame: its text may
            # contain spaces.
            bracket = buffer.rfind("[", start, limit)
            if start < bracket < gap and not _MARKDOWN_LINK.match(buffer, bracket, limit):
                gap_before_link = _last_gap(buffer, start + 1, bracket)
                gap = gap_before_link if gap_before_link > start else gap
            end = start + len(buffer[start:gap].rstrip()) if gap > start else start
            ends_line = False
            if end == start:  # one word longer than a frame: cut it hard
                end = limit
            else:
                run = _SPACE_RUN.match(buffer, end)
                ends_line = run is not None and "\n" in run.group() and run.end() < len(buffer)
            frames += self._emit(buffer[start:end], start, ends_line=ends_line)
            start = end
        if start:
            self._buffer = buffer[start:]
            self._at_line_start = False
        return frames

    def _emit(self, raw: str, start: int, *, ends_line: bool) -> list[str]:
        at_line_start = start == 0 and self._at_line_start
        spoken = _sanitize(raw, self._words, at_line_start=at_line_start)
        if ends_line:
            spoken = _end_line(spoken)
        if not spoken.strip():
            if ends_line and _end_line(self._last_frame) != self._last_frame:
                spoken = "."  # the line's last words came in an earlier, cut-off frame
            else:
                self._owe_space = self._owe_space or bool(_SPACE_RUN.search(raw))
                return []
        if not self._last_frame:
            spoken = spoken.lstrip()
        elif self._owe_space and not spoken.startswith(" "):
            spoken = " " + spoken
        self._owe_space = False
        frames = _fit(spoken, self.max_chars)
        self._last_frame = frames[-1]
        return frames
