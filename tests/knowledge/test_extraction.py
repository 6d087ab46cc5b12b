"""Uploaded documents become text with Markdown headings, or one plain sentence saying why not.

Every input file is built here in code: Word files with python-docx, PDFs by hand.
"""

import io
import random
import zipfile
from collections.abc import Callable

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter

from knowledge.extraction import SUPPORTED_EXTENSIONS, ExtractionError, extract_text

# --- Building input files ------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")  # the font below uses WinAnsiEncoding, which is cp1252
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"


def make_pdf(*pages: list[str]) -> bytes:
    """A valid PDF with one page per argument, each showing its lines in Helvetica.

    A page with no lines gets an empty content stream, as a scanned page would have.
    """
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for i, lines in enumerate(pages):
        page_number, content_number = 4 + 2 * i, 5 + 2 * i
        objects[page_number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_number
        )
        stream = b""
        if lines:
            shown = b" T* ".join(_pdf_string(line) + b" Tj" for line in lines)
            stream = b"BT /F1 12 Tf 72 720 Td 14 TL " + shown + b" ET"
        objects[content_number] = (
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
        )
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(pdf)
        pdf += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref_offset = len(pdf)
    size = len(objects) + 1
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        pdf += b"%010d 00000 n \n" % offsets[number]
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_offset)
    return bytes(pdf)


def encrypt_pdf(pdf: bytes, *, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(build: Callable[[docx.document.Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fill_table(document: docx.document.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value


def zip_bytes(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


SAMPLE_PDF = make_pdf(
    ["Opening hours", "Monday to Friday, 8.30 to 18.00."],
    ["Parking is free for patients."],
)


# --- Plain text and Markdown ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("Año nuevo — ¿abren? ¡Sí! Señora Muñoz.".encode(), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + "Año nuevo — ¿abren? ¡Sí! Señora Muñoz.".encode(), id="bom"),
        pytest.param("Año nuevo — ¿abren? ¡Sí! Señora Muñoz.".encode("cp1252"), id="cp1252"),
        pytest.param("Año nuevo — ¿abren? ¡Sí! Señora Muñoz.".encode("utf-16"), id="utf-16"),
    ],
)
def test_text_files_in_common_encodings_read_the_same(data):
    assert extract_text(filename="notes.txt", data=data) == "Año nuevo — ¿abren? ¡Sí! Señora Muñoz."


def test_latin1_bytes_that_are_not_cp1252_still_decode():
    # 0x81 is undefined in cp1252, so only latin-1 can read this file.
    data = "Consulta nº 5 en la planta baja".encode("latin-1") + b" \x81"
    assert extract_text(filename="notes.txt", data=data) == "Consulta nº 5 en la planta baja \x81"


def test_text_whitespace_is_normalised():
    data = b"  \r\nLine one   \r\nLine two\t\r\n\r\n\r\n\r\nNext\rLast\n\n\n"
    assert extract_text(filename="notes.txt", data=data) == "Line one\nLine two\n\nNext\nLast"


def test_markdown_is_kept_as_is():
    markdown = (
        "# Clinic\n\nIntro.\n\n## Hours\n\n- Monday: 9-17\n- Friday: 9-13\n\n**Closed** Sundays."
    )
    assert extract_text(filename="faq.md", data=markdown.encode()) == markdown


@pytest.mark.parametrize(
    "filename", ["NOTES.TXT", "C:\\Users\\sam\\Desktop\\notes.Txt", "dir/notes.txt", ".txt"]
)
def test_extension_is_matched_case_insensitively_on_the_last_path_part(filename):
    assert extract_text(filename=filename, data=b"Hello") == "Hello"


def test_supported_extensions_are_the_documented_ones():
    assert SUPPORTED_EXTENSIONS == (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


# --- HTML ----------------------------------------------------------------------------------

CLINIC_PAGE = """<!doctype html>
<html><head><title>Sonrisa Dental | Hours</title>
<style>p { color: red }</style><script>var tracking = "do not index";</script></head>
<body>
<header><a href="/">Sonrisa Dental</a> Call 555 0100</header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/team">Team</a></li></ul></nav>
<h1>Opening   hours</h1>
<!-- last updated by Sam -->
<p>We are open <b>Monday</b> to
   Friday.<br>Weekends closed.</p>
<h2>Services</h2>
<ul>
  <li>Check-ups<ul><li>Adults</li><li>Children</li></ul></li>
  <li><p>Whitening</p></li>
</ul>
<table>
  <thead><tr><th>Day</th><th>Hours</th></tr></thead>
  <tbody><tr><td>Monday</td><td>9&ndash;17</td></tr><tr><td>Saturday</td><td>Closed</td></tr></tbody>
</table>
<noscript>Enable JavaScript</noscript>
<form><label>Your email</label><input name="email"><button>Subscribe</button></form>
<footer>© 2024 Sonrisa Dental</footer>
</body></html>"""


def test_html_keeps_content_and_drops_page_furniture():
    assert extract_text(filename="hours.html", data=CLINIC_PAGE.encode()) == (
        "# Opening hours\n\n"
        "We are open Monday to Friday.\nWeekends closed.\n\n"
        "## Services\n\n"
        "- Check-ups\n\n- Adults\n\n- Children\n\n- Whitening\n\n"
        "Day, Hours\n\nMonday, 9\u201317\n\nSaturday, Closed"  # &ndash; decoded
    )


def test_html_title_stands_in_for_a_missing_h1():
    page = b"<html><head><title>Parking</title></head><body><h2>Where</h2><p>Behind.</p></body>"
    assert extract_text(filename="p.htm", data=page) == "# Parking\n\n## Where\n\nBehind."


def test_html_main_is_preferred_and_an_article_header_is_kept():
    page = b"""<html><body><aside>Latest news: new dentist</aside>
    <main><article><header><h1>Prices</h1></header><p>Check-up: 40 euros.</p>
    <footer>Prices include VAT.</footer></article></main>
    <p>Cookie notice</p></body></html>"""
    assert extract_text(filename="prices.html", data=page) == (
        "# Prices\n\nCheck-up: 40 euros.\n\nPrices include VAT."
    )


def test_html_nested_deeper_than_python_recursion_still_reads():
    # Page builders can nest thousands of <div>s.
    page = b"<div>" * 5000 + b"<h2>Hours</h2><p>Open <b>daily</b>.</p>" + b"</div>" * 5000
    assert extract_text(filename="deep.html", data=page) == "## Hours\n\nOpen daily."


def test_html_in_a_declared_windows_encoding_keeps_spanish_characters():
    page = (
        "<html><head><meta charset='windows-1252'></head><body>"
        "<h1>Señales</h1><p>¿Cuándo abren? ¡Mañana!</p></body></html>"
    ).encode("cp1252")
    assert extract_text(filename="es.html", data=page) == "# Señales\n\n¿Cuándo abren? ¡Mañana!"


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_built_here_is_valid_for_pypdf():
    assert len(PdfReader(io.BytesIO(SAMPLE_PDF)).pages) == 2


def test_pdf_pages_are_read_in_order_with_a_blank_line_between():
    assert extract_text(filename="Hours.PDF", data=SAMPLE_PDF) == (
        "Opening hours\nMonday to Friday, 8.30 to 18.00.\n\nParking is free for patients."
    )


def test_pdf_keeps_spanish_characters():
    pdf = make_pdf(["¿Dónde está la clínica?", "¡En la calle Núñez, año 1990!"])
    assert extract_text(filename="es.pdf", data=pdf) == (
        "¿Dónde está la clínica?\n¡En la calle Núñez, año 1990!"
    )


def test_pdf_that_only_restricts_copying_opens_without_a_password():
    pdf = encrypt_pdf(SAMPLE_PDF, user_password="")
    assert extract_text(filename="locked.pdf", data=pdf).startswith("Opening hours")


# --- Word ----------------------------------------------------------------------------------


def build_clinic_docx(document: docx.document.Document) -> None:
    document.add_paragraph("Sonrisa Dental", style="Title")
    document.add_paragraph("Family dentistry since 1990.")
    document.add_heading("Opening hours", level=1)
    document.add_paragraph("We are open on weekdays.")
    document.add_heading("Holidays", level=2)
    document.add_paragraph("Closed on 25 December", style="List Bullet")
    document.add_paragraph("Closed on 1 January", style="List Number")
    fill_table(document, [["Day", "Hours"], ["Monday", "9:00-17:00"], ["Friday", ""]])
    document.add_paragraph("Call us for emergencies.")


def test_docx_headings_lists_and_tables_in_document_order():
    assert extract_text(filename="clinic.docx", data=make_docx(build_clinic_docx)) == (
        "# Sonrisa Dental\n\n"
        "Family dentistry since 1990.\n\n"
        "# Opening hours\n\n"
        "We are open on weekdays.\n\n"
        "## Holidays\n\n"
        "- Closed on 25 December\n\n"
        "- Closed on 1 January\n\n"
        "Day, Hours\n\nMonday, 9:00-17:00\n\nFriday\n\n"
        "Call us for emergencies."
    )


def test_docx_merged_table_cells_are_read_once():
    def build(document):
        fill_table(document, [["Opening hours", ""], ["Monday", "9-17"]])
        table = document.tables[0]
        table.cell(0, 0).merge(table.cell(0, 1))

    assert extract_text(filename="t.docx", data=make_docx(build)) == (
        "Opening hours\n\nMonday, 9-17"
    )


def test_docx_custom_heading_styles_and_directly_numbered_items():
    def build(document):
        style = document.styles.add_style("Clinic Heading", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Heading 2"]
        document.add_paragraph("What to bring", style="Clinic Heading")
        item = document.add_paragraph("Your insurance card")
        numbering = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", "1")):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            numbering.append(element)
        item._p.get_or_add_pPr().append(numbering)

    assert extract_text(filename="t.docx", data=make_docx(build)) == (
        "## What to bring\n\n- Your insurance card"
    )


def test_docx_keeps_spanish_characters_and_collapses_spaces():
    def build(document):
        document.add_heading("Horario   de atención", level=2)
        document.add_paragraph("¿Abren en agosto?  ¡Sí, señora Muñoz!   ")

    assert extract_text(filename="es.docx", data=make_docx(build)) == (
        "## Horario de atención\n\n¿Abren en agosto? ¡Sí, señora Muñoz!"
    )


# --- Errors --------------------------------------------------------------------------------

CORRUPT_BYTES = random.Random(42).randbytes(2048)
TRUNCATED_PDF = SAMPLE_PDF[: len(SAMPLE_PDF) // 2]
SCANNED_PDF = make_pdf([])  # a page whose content stream is empty


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        pytest.param(
            "prices.xlsx",
            b"PK",
            "Unsupported file type “.xlsx”: upload a .txt, .md, .html, .pdf or .docx file.",
            id="unsupported",
        ),
        pytest.param(
            "README",
            b"hello",
            "Unsupported file type: upload a .txt, .md, .html, .pdf or .docx file.",
            id="no-extension",
        ),
        pytest.param("empty.txt", b"", "The file is empty.", id="empty-txt"),
        pytest.param("blank.md", b" \r\n\t\n  ", "The file is empty.", id="blank-md"),
        pytest.param("empty.pdf", b"", "The file is empty.", id="zero-byte-pdf"),
        pytest.param(
            "script.html", b"<script>alert(1)</script>", "The file is empty.", id="html-no-text"
        ),
        pytest.param("empty.docx", make_docx(lambda d: None), "The file is empty.", id="docx"),
        pytest.param(
            "blank.docx",
            make_docx(lambda d: d.add_paragraph("   ")),
            "The file is empty.",
            id="blank-docx",
        ),
        pytest.param(
            "scan.pdf",
            SCANNED_PDF,
            "No text was found in this PDF; it may be a scanned image.",
            id="pdf-without-text",
        ),
        pytest.param(
            "secret.pdf",
            encrypt_pdf(SAMPLE_PDF, user_password="hunter2"),
            "This PDF is password-protected.",
            id="pdf-password",
        ),
        pytest.param(
            "random.pdf",
            CORRUPT_BYTES,
            "This PDF could not be read; the file may be damaged.",
            id="pdf-random-bytes",
        ),
        pytest.param(
            "cut.pdf",
            TRUNCATED_PDF,
            "This PDF could not be read; the file may be damaged.",
            id="pdf-truncated",
        ),
        pytest.param(
            "header-only.pdf",
            b"%PDF-1.4\n%%EOF\n",
            "This PDF could not be read; the file may be damaged.",
            id="pdf-header-only",
        ),
        pytest.param(
            "broken.html",
            b"<p>Hours</p><![ ",
            "This web page could not be read; the file may be damaged.",
            id="html-rejected-by-parser",
        ),
        pytest.param(
            "random.docx",
            CORRUPT_BYTES,
            "This Word document could not be read; the file may be damaged.",
            id="docx-not-a-zip",
        ),
        pytest.param(
            "parts.docx",
            zip_bytes({"hello.txt": "not a Word document"}),
            "This Word document could not be read; the file may be damaged.",
            id="docx-missing-parts",
        ),
        pytest.param(
            "cut.docx",
            make_docx(build_clinic_docx)[:2000],
            "This Word document could not be read; the file may be damaged.",
            id="docx-truncated",
        ),
    ],
)
def test_unreadable_uploads_explain_why_in_one_sentence(filename, data, message):
    with pytest.raises(ExtractionError) as raised:
        extract_text(filename=filename, data=data)
    assert str(raised.value) == message


def test_scanned_pdf_fixture_is_a_valid_pdf():
    # So the "no text" message above is about the missing text, not a broken file.
    assert len(PdfReader(io.BytesIO(SCANNED_PDF)).pages) == 1
