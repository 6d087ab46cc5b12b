"""Turn an uploaded document into plain text that the assistant can answer from.

Contract: `extract_text(filename=..., data=...)` picks a reader by the filename's extension
(case-insensitive) and returns the document's text, with headings written as Markdown heading
lines ("# Title", "## Section") so that chunking can keep each heading with its text. Blocks
(paragraphs, list items as "- item", table rows as cells joined by ", ") are separated by one
blank line; lines carry no trailing spaces; the result is stripped.

Every failure a member of staff can cause by uploading a file raises `ExtractionError`, whose
str() is one plain sentence to show them; no parser exception escapes. Pure: no Django, no
database, no network.
"""

import codecs
import io
import re
from collections.abc import Callable, Iterator

import docx
from bs4 import BeautifulSoup, NavigableString, ParserRejectedMarkup, Tag
from bs4.element import PageElement, PreformattedString
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader

SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")

EMPTY_FILE = "The file is empty."
PDF_WITHOUT_TEXT = "No text was found in this PDF; it may be a scanned image."
PDF_PASSWORD = "This PDF is password-protected."
PDF_DAMAGED = "This PDF could not be read; the file may be damaged."
DOCX_DAMAGED = "This Word document could not be read; the file may be damaged."
HTML_DAMAGED = "This web page could not be read; the file may be damaged."
_UPLOAD_HINT = "upload a .txt, .md, .html, .pdf or .docx file."


class ExtractionError(Exception):
    """The document's text could not be read; str(error) is a plain sentence for staff."""


def extract_text(*, filename: str, data: bytes) -> str:
    """The document's text, with headings as Markdown heading lines ("# Title", "## Section")
    so that chunking can keep headings with their text. Raises ExtractionError."""
    extension = _extension(filename)
    reader = _READERS.get(extension)
    if reader is None:
        if extension:
            raise ExtractionError(f"Unsupported file type “{extension}”: {_UPLOAD_HINT}")
        raise ExtractionError(f"Unsupported file type: {_UPLOAD_HINT}")
    if not data:
        raise ExtractionError(EMPTY_FILE)
    text = _tidy(reader(data))
    if not text:
        raise ExtractionError(PDF_WITHOUT_TEXT if extension == ".pdf" else EMPTY_FILE)
    return text


def _extension(filename: str) -> str:
    # Browsers on Windows may send a full path; only the last component names the type.
    # Not os.path.splitext: it treats ".md" (a name that is only an extension) as extensionless.
    name = filename.strip().replace("\\", "/").rsplit("/", 1)[-1]
    _, dot, suffix = name.rpartition(".")
    return f".{suffix.lower()}" if dot and suffix else ""


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line between blocks, stripped."""
    # NULs show up in text pulled from some PDFs and would only confuse later steps.
    # splitlines() also breaks on \r, form feeds and Unicode line separators.
    lines = [line.rstrip() for line in text.replace("\x00", "").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- Plain text and Markdown -------------------------------------------------------------


def _read_plain_text(data: bytes) -> str:
    # Windows Notepad's "Unicode" is UTF-16 with a byte-order mark.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    # utf-8-sig drops a UTF-8 byte-order mark if there is one. Files that are not UTF-8 are
    # almost always Windows "ANSI" (cp1252); latin-1 decodes any byte, so it is the last resort.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --- HTML ----------------------------------------------------------------------------------

# Page furniture and machinery, never answer material.
_HTML_DROPPED = frozenset(
    {
        "script", "style", "noscript", "nav", "form", "button", "select", "textarea",
        "template", "svg", "iframe", "head", "title",
    }
)  # fmt: skip
# <header>/<footer> of the page are banners; inside these they belong to the content
# (an article's <header> usually holds its <h1>).
_HTML_SECTIONING = ["main", "article", "section"]
_HTML_INLINE = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
        "em", "font", "i", "img", "ins", "kbd", "label", "mark", "nobr", "q", "s", "samp",
        "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
_HTML_HEADINGS = {f"h{level}": level for level in range(1, 7)}


class _HtmlBlocks:
    """Walks an element tree and collects its text as blocks (one string per paragraph,
    heading, list item or table row). plain=True gives bare text, for table cells and
    heading contents."""

    _BREAK = None  # stands for <br> in the inline buffer

    def __init__(self, *, plain: bool = False) -> None:
        self.plain = plain
        self.blocks: list[str] = []
        self.has_h1 = False
        self._inline: list[str | None] = []
        self._prefix = ""

    def walk(self, element: Tag) -> "_HtmlBlocks":
        # Iterative, not recursive: generated pages can nest elements deeper than Python's
        # recursion limit. The stack holds nodes still to visit and actions to run when an
        # element's children are done.
        stack: list[PageElement | Callable[[], None]] = [*reversed(element.contents)]
        while stack:
            item = stack.pop()
            if isinstance(item, Tag):  # tested first: a Tag is callable (it means find_all)
                after, children = self._open(item)
                if after is not None:
                    stack.append(after)
                stack.extend(reversed(children))
            elif isinstance(item, NavigableString):
                # Comments, doctypes, CDATA and processing instructions are not page text.
                if not isinstance(item, PreformattedString):
                    self._inline.append(str(item))
            else:
                item()
        return self

    def finish(self) -> list[str]:
        """The blocks, once the whole tree has been walked."""
        self._flush()
        return self.blocks

    def text(self) -> str:
        """The blocks as one line, for plain walkers."""
        return " ".join(block.replace("\n", " ") for block in self.finish())

    def _open(self, tag: Tag) -> tuple[Callable[[], None] | None, list[PageElement]]:
        """Handle entering the tag: what to run after its children, and the children to visit."""
        name = tag.name.lower()
        if name in _HTML_DROPPED or tag.has_attr("hidden"):
            return None, []
        if name in ("header", "footer") and tag.find_parent(_HTML_SECTIONING) is None:
            return None, []
        if name == "br":
            self._inline.append(self._BREAK)
            return None, []
        if name in _HTML_INLINE:
            return None, tag.contents
        if name in _HTML_HEADINGS:
            self._flush()
            title = _HtmlBlocks(plain=True).walk(tag).text()
            if title and not self.plain:
                level = _HTML_HEADINGS[name]
                self.has_h1 = self.has_h1 or level == 1
                self.blocks.append(f"{'#' * level} {title}")
            elif title:
                self.blocks.append(title)
            return None, []
        if name == "tr":
            self._flush()
            cells = (
                _HtmlBlocks(plain=True).walk(cell).text()
                for cell in tag.find_all(["td", "th"], recursive=False)
            )
            row = ", ".join(cell for cell in cells if cell)
            if row:
                self.blocks.append(row)
            return None, []
        self._flush()
        if name == "li":
            self._prefix = "" if self.plain else "- "
            return self._end_list_item, tag.contents
        # Everything else (p, div, section, blockquote, unknown custom elements...) is a
        # block container: what comes before and after it are separate blocks.
        return self._flush, tag.contents

    def _end_list_item(self) -> None:
        self._flush()
        self._prefix = ""

    def _flush(self) -> None:
        lines: list[str] = []
        current: list[str] = []
        for piece in [*self._inline, self._BREAK]:
            if piece is self._BREAK:
                line = _collapse("".join(current))
                if line:
                    lines.append(line)
                current = []
            else:
                current.append(piece)
        self._inline = []
        if lines:
            self.blocks.append(self._prefix + "\n".join(lines))
            # Only the first block of a list item gets its bullet.
            self._prefix = ""


def _text_length(element: Tag) -> int:
    return len(_HtmlBlocks(plain=True).walk(element).text())


def _read_html(data: bytes) -> str:
    # Given bytes, BeautifulSoup honours <meta charset> and otherwise guesses the encoding.
    try:
        soup = BeautifulSoup(data, "html.parser")
    except ParserRejectedMarkup as error:
        raise ExtractionError(HTML_DAMAGED) from error
    page = soup.body or soup
    root = soup.find("main")
    if root is None:
        # A lone <article> is the page's content, unless it is a side box ("Latest news")
        # next to content that is not marked up; several articles (a listing) are all content.
        articles = soup.find_all("article")
        if len(articles) == 1 and 2 * _text_length(articles[0]) >= _text_length(page):
            root = articles[0]
        else:
            root = page
    walker = _HtmlBlocks().walk(root)
    blocks = walker.finish()
    title = _collapse(soup.title.get_text()) if soup.title else ""
    if title and not walker.has_h1:
        blocks = [f"# {title}", *blocks]
    return "\n\n".join(blocks)


# --- PDF -----------------------------------------------------------------------------------


def _read_pdf(data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        # The reader already tried the empty password (PDFs that only restrict printing or
        # copying open with it); anything else needs a password we do not have.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ExtractionError(PDF_PASSWORD)
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as error:
        # pypdf reports damage with many exception types (PdfReadError, ValueError, KeyError,
        # struct.error, RecursionError...); to staff they all mean the same thing.
        raise ExtractionError(PDF_DAMAGED) from error
    return "\n\n".join(page.strip() for page in pages if page.strip())


# --- Word ----------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"heading\s*([1-9])", re.IGNORECASE)


def _docx_kind(paragraph: Paragraph) -> str:
    """The Markdown prefix a Word paragraph gets: "# ".."###### ", "- " or ""."""
    # Custom styles built on a built-in one ("Clinic heading" based on "Heading 2") count as
    # that style; the depth limit guards against style cycles in odd files.
    style = paragraph.style
    for _ in range(10):
        if style is None:
            break
        name = (style.name or "").strip()
        if name.lower() == "title":
            return "# "
        if match := _HEADING_STYLE.fullmatch(name):
            return "#" * min(int(match.group(1)), 6) + " "
        if name.lower().startswith("list"):
            return "- "
        style = style.base_style
    # Items numbered or bulleted directly (without a List style) carry numbering properties.
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return "- "
    return ""


def _docx_paragraph(paragraph: Paragraph) -> str:
    kind = _docx_kind(paragraph)
    if kind.startswith("#"):
        title = _collapse(paragraph.text)
        return kind + title if title else ""
    # Soft line breaks (Shift+Enter) stay as line breaks, within the one block.
    lines = (_collapse(line) for line in paragraph.text.splitlines())
    text = "\n".join(line for line in lines if line)
    return kind + text if text else ""


def _docx_cell_text(cell: _Cell) -> str:
    parts = []
    for item in cell.iter_inner_content():
        if isinstance(item, Table):
            parts.extend(_docx_table_rows(item))
        else:
            parts.append(_collapse(item.text))
    return _collapse(" ".join(parts))


def _docx_table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells = []
        seen: set[int] = set()
        for cell in row.cells:
            # A merged cell is reported once for every grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            if text := _docx_cell_text(cell):
                cells.append(text)
        if cells:
            yield ", ".join(cells)


def _read_docx(data: bytes) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        # In document order, so tables stay between the paragraphs around them.
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(_docx_table_rows(item))
            elif block := _docx_paragraph(item):
                blocks.append(block)
    except Exception as error:
        # Not a zip, a zip without the Word parts, or broken XML inside.
        raise ExtractionError(DOCX_DAMAGED) from error
    return "\n\n".join(blocks)


_READERS: dict[str, Callable[[bytes], str]] = {
    ".txt": _read_plain_text,
    ".md": _read_plain_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
