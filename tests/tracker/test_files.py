import contextlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.files import (
    DOCX_TYPE,
    MAX_ATTACHMENT_BYTES,
    ODT_TYPE,
    TooLargeUpload,
    check_attachment,
)

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run"


def make_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = make_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ODT = make_zip({"mimetype": ODT_TYPE, "content.xml": "<office:document-content/>"})


def upload(name, content):
    return SimpleUploadedFile(name, content)


def refusal(uploaded):
    with pytest.raises(ValidationError) as raised:
        check_attachment(uploaded)
    # filesizeformat keeps its number and unit together with a non-breaking space.
    return raised.value.code, raised.value.messages[0].replace("\xa0", " ")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("diagram.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("notes.txt", "Deployed the pipeline: café ✓\n".encode(), "text/plain; charset=utf-8"),
        ("README.md", b"# Runbook\n\n- step one\n", "text/markdown; charset=utf-8"),
        ("reflection.docx", DOCX, DOCX_TYPE),
        ("reflection.odt", ODT, ODT_TYPE),
        ("old.doc", DOC, "application/msword"),
    ],
)
def test_good_files_are_accepted_with_their_content_type(name, content, content_type):
    assert check_attachment(upload(name, content)) == content_type


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("REPORT.PDF", PDF, "application/pdf"),
        ("Report.Pdf", PDF, "application/pdf"),
        ("SCAN.JPEG", JPEG, "image/jpeg"),
        ("NOTES.TXT", b"plain", "text/plain; charset=utf-8"),
    ],
)
def test_extension_case_does_not_matter(name, content, content_type):
    assert check_attachment(upload(name, content)) == content_type


def test_png_renamed_pdf_is_refused_saying_what_it_is():
    assert refusal(upload("report.pdf", PNG)) == (
        "content",
        "report.pdf is not really a PDF file; its content looks like a PNG image.",
    )


def test_exe_renamed_png_is_refused():
    assert refusal(upload("diagram.png", EXE)) == (
        "content",
        "diagram.png is not really a PNG image; its content looks like a Windows program.",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.jpg",
            b"<html><script>alert(1)</script></html>",
            "photo.jpg is not really a JPEG image; its content does not match.",
        ),
        (
            "old.doc",
            DOCX,
            "old.doc is not really a Word 97-2003 document; its content looks like a Word "
            "document.",
        ),
        (
            "report.docx",
            ODT,
            "report.docx is not really a Word document; its content looks like an OpenDocument "
            "text document.",
        ),
        (
            "report.odt",
            make_zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}),
            "report.odt is not really an OpenDocument text document; its content looks like a "
            "ZIP archive.",
        ),
        (
            "report.docx",
            PDF,
            "report.docx is not really a Word document; its content looks like a PDF file.",
        ),
        (
            "notes.txt",
            PNG,
            "notes.txt is not really a text file; its content looks like a PNG image.",
        ),
    ],
)
def test_content_that_does_not_match_is_refused(name, content, message):
    assert refusal(upload(name, content)) == ("content", message)


def test_docx_zip_without_a_document_is_refused():
    archive = make_zip({"[Content_Types].xml": "<Types/>", "evil.html": "<script></script>"})
    assert refusal(upload("report.docx", archive)) == (
        "content",
        "report.docx is not really a Word document; its content looks like a ZIP archive.",
    )


def test_damaged_zip_is_refused():
    code, message = refusal(upload("report.docx", DOCX[:40]))
    assert code == "content"
    assert message.startswith("report.docx is not really a Word document;")


def test_document_zipped_onto_the_end_of_another_file_is_refused():
    code, _ = refusal(upload("report.docx", b"<html><script>alert(1)</script>" + DOCX))
    assert code == "content"


@pytest.mark.parametrize(
    "content",
    [b"caf\xe9 au lait", b"\xff\xfeh\x00i\x00", b"text with a NUL \x00 byte"],
    ids=["latin-1", "utf-16", "nul"],
)
def test_text_that_is_not_utf8_is_refused(content):
    assert refusal(upload("notes.txt", content)) == (
        "content",
        "notes.txt is not really a text file; it is not saved as UTF-8 text.",
    )


def test_text_cut_mid_character_at_the_sample_boundary_is_accepted():
    # 64 KB minus one byte of ASCII, then a three-byte character split by the 64 KB sample.
    content = b"a" * (64 * 1024 - 1) + "€".encode() + b" and more"
    assert check_attachment(upload("long.md", content)) == "text/markdown; charset=utf-8"


def test_text_ending_mid_character_is_refused():
    code, _ = refusal(upload("notes.txt", "price: €".encode()[:-1]))
    assert code == "content"


def test_only_the_first_64_kb_of_text_is_checked():
    content = b"a" * 64 * 1024 + b"\xff"
    assert check_attachment(upload("log.txt", content)) == "text/plain; charset=utf-8"


def test_file_over_10_mb_is_refused():
    uploaded = upload("big.pdf", bytes(11 * 1024 * 1024))
    assert refusal(uploaded) == (
        "too_large",
        "The file is larger than 10 MB: big.pdf is 11.0 MB.",
    )


def test_a_file_refused_for_its_size_as_it_arrived_is_refused_whatever_its_content():
    assert refusal(TooLargeUpload("big.pdf", "application/pdf", 11 * 1024 * 1024)) == (
        "too_large",
        "The file is larger than 10 MB: big.pdf is 11.0 MB.",
    )


def test_a_file_name_with_hidden_text_direction_characters_is_refused():
    """ "photo\u202egnp.pdf" shows as "photofdp.png"."""
    code, message = refusal(upload("photo\u202egnp.pdf", PDF))
    assert code == "bidi_control" and "rename the file" in message
    assert check_attachment(upload("\u200fدرس.pdf", PDF)) == "application/pdf"


class Unreadable:
    """An upload whose content must not be touched."""

    name = "huge.pdf"
    size = MAX_ATTACHMENT_BYTES + 1

    def read(self, size=-1):
        pytest.fail("content was read")

    seek = chunks = read


def test_size_is_checked_before_any_content_is_read():
    assert refusal(Unreadable())[0] == "too_large"


def test_file_of_exactly_10_mb_is_accepted():
    content = PDF + bytes(MAX_ATTACHMENT_BYTES - len(PDF))
    assert check_attachment(upload("big.pdf", content)) == "application/pdf"


def test_empty_file_is_refused():
    assert refusal(upload("report.pdf", b"")) == ("empty", "report.pdf is empty.")


@pytest.mark.parametrize(
    "name", ["setup.exe", "page.html", "image.svg", "report", "report.pdf.exe"]
)
def test_other_extensions_are_refused_listing_what_is_accepted(name):
    code, message = refusal(upload(name, PDF))
    assert code == "extension"
    assert message == (
        f"{name} cannot be attached: attach a file ending in "
        ".doc, .docx, .jpeg, .jpg, .md, .odt, .pdf, .png or .txt."
    )


def test_message_names_only_the_file_not_its_storage_path():
    uploaded = upload("report.pdf", PNG)
    uploaded.name = "attachments/2025/01/report.pdf"
    assert refusal(uploaded)[1].startswith("report.pdf is not really a PDF file;")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", PDF),
        ("notes.txt", b"hello"),
        ("reflection.docx", DOCX),
        ("reflection.odt", ODT),
        ("report.pdf", PNG),
        ("report.docx", make_zip({"other.xml": "<x/>"})),
        ("notes.txt", b"\xff"),
    ],
)
def test_file_is_back_at_the_start_after_checking(name, content):
    uploaded = upload(name, content)
    uploaded.read(3)
    with contextlib.suppress(ValidationError):
        check_attachment(uploaded)
    assert uploaded.tell() == 0
    assert uploaded.read() == content
