"""Check an uploaded attachment by its name and its content, so a renamed program or web page
is never stored and then served back as if it were a harmless document; and by its size as it
arrives, so a file too large is never kept whole."""

import codecs
import io
import os
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.template.defaultfilters import filesizeformat

from core.validators import BIDI_CONTROLS

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The headers of a form's parts, beside the file and the fields' data (which
# DATA_UPLOAD_MAX_MEMORY_SIZE bounds): a few dozen bytes each, a part per ticked KSB.
PART_HEADERS_BYTES = 64 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
ALLOWED = {
    ".pdf": ("PDF file", "application/pdf"),
    ".png": ("PNG image", "image/png"),
    ".jpg": ("JPEG image", "image/jpeg"),
    ".jpeg": ("JPEG image", "image/jpeg"),
    ".txt": ("text file", "text/plain; charset=utf-8"),
    ".md": ("Markdown file", "text/markdown; charset=utf-8"),
    ".docx": ("Word document", DOCX_TYPE),
    ".odt": ("OpenDocument text document", ODT_TYPE),
    ".doc": ("Word 97-2003 document", "application/msword"),
}

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAGIC = {
    ".pdf": PDF_MAGIC,
    ".png": PNG_MAGIC,
    ".jpg": JPEG_MAGIC,
    ".jpeg": JPEG_MAGIC,
    ".docx": ZIP_MAGIC,
    ".odt": ZIP_MAGIC,
    ".doc": OLE_MAGIC,
}
TEXT_EXTENSIONS = {".txt", ".md"}
TEXT_SAMPLE_BYTES = 64 * 1024
# What a refused file really is, to tell the user; some of these are never accepted at all.
SIGNATURES = [
    (PDF_MAGIC, "a PDF file"),
    (PNG_MAGIC, "a PNG image"),
    (JPEG_MAGIC, "a JPEG image"),
    (OLE_MAGIC, "a Word 97-2003 or other old Office file"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
]
ZIP_CONTENTS = {DOCX_TYPE: "a Word document", ODT_TYPE: "an OpenDocument text document"}
# A damaged or hostile zip can fail in any of these ways; each means "not that document".
ZIP_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    NotImplementedError,
    OSError,
    RuntimeError,
    ValueError,
    zlib.error,
)


def check_attachment(uploaded) -> str:
    """Return the content type to serve `uploaded` with, or raise ValidationError saying why it
    cannot be attached. The size is checked before any content is read, and the file is left
    at position 0."""
    # A stored FieldFile's name is a path; the user only knows the file's own name.
    name = os.path.basename(uploaded.name or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED:
        raise ValidationError(
            "%(name)s cannot be attached: attach a file ending in %(allowed)s.",
            code="extension",
            params={"name": name or "This file", "allowed": _allowed_extensions()},
        )
    if BIDI_CONTROLS.search(name):
        raise ValidationError(
            "The file's name has hidden text-direction characters: rename the file and attach "
            "it again.",
            code="bidi_control",
        )
    if isinstance(uploaded, TooLargeUpload) or uploaded.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            "The file is larger than %(limit)s MB: %(name)s is %(size)s.",
            code="too_large",
            params={
                "name": name,
                "size": filesizeformat(uploaded.size),
                "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024),
            },
        )
    if not uploaded.size:
        raise ValidationError("%(name)s is empty.", code="empty", params={"name": name})
    kind, content_type = ALLOWED[extension]
    try:
        matches = _content_matches(uploaded, extension, content_type)
        looks_like = None if matches else _looks_like(uploaded)
    finally:
        uploaded.seek(0)
    if matches:
        return content_type
    if looks_like:
        problem = f"its content looks like {looks_like}"
    elif extension in TEXT_EXTENSIONS:
        problem = "it is not saved as UTF-8 text"
    else:
        problem = "its content does not match"
    raise ValidationError(
        "%(name)s is not really %(kind)s; %(problem)s.",
        code="content",
        params={"name": name, "kind": _with_article(kind), "problem": problem},
    )


def _allowed_extensions():
    extensions = sorted(ALLOWED)
    return ", ".join(extensions[:-1]) + " or " + extensions[-1]


def _with_article(kind):
    return f"an {kind}" if kind[0].lower() in "aeiou" else f"a {kind}"


def _head(uploaded, size):
    uploaded.seek(0)
    return uploaded.read(size)


def _content_matches(uploaded, extension, content_type):
    if extension in TEXT_EXTENSIONS:
        sample = _head(uploaded, TEXT_SAMPLE_BYTES)
        return _is_utf8_text(sample, complete=uploaded.size <= len(sample))
    if not _head(uploaded, len(MAGIC[extension])).startswith(MAGIC[extension]):
        return False
    # zipfile reads the directory at the end of the file, so the header above is what stops a
    # program or web page with a document zipped onto its end.
    return extension not in {".docx", ".odt"} or _zip_document(uploaded) == content_type


def _is_utf8_text(sample, complete):
    """Whether `sample` is NUL-free UTF-8; a character cut off at its end is fine unless the
    sample is the whole file."""
    if b"\x00" in sample:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _zip_document(uploaded):
    """The content type of the word-processing document in a zip, or None."""
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return DOCX_TYPE
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    # Read no more than needed: the member could be a zip bomb.
                    if member.read(len(ODT_TYPE) + 1) == ODT_TYPE.encode():
                        return ODT_TYPE
    except ZIP_ERRORS:
        pass
    return None


def _looks_like(uploaded):
    """A description of what the content really is, or None when it is not recognised."""
    head = _head(uploaded, 16)
    if head.startswith(ZIP_MAGIC):
        return ZIP_CONTENTS.get(_zip_document(uploaded), "a ZIP archive")
    return next((label for magic, label in SIGNATURES if head.startswith(magic)), None)


class TooLargeUpload(UploadedFile):
    """A file refused for its size as it arrived: its name and size, and none of its content."""

    def __init__(self, name, content_type, size):
        super().__init__(io.BytesIO(), name, content_type, size)


class AttachmentSizeLimit(FileUploadHandler):
    """The first upload handler (FILE_UPLOAD_HANDLERS): a file over MAX_ATTACHMENT_BYTES is
    never kept whole, in memory or on disk. When the request's Content-Length is too long for a
    file that fits, none of its files' bytes go on to the handlers that store them; otherwise
    the bytes are counted, and none past the limit go on. The form then gets a TooLargeUpload,
    which check_attachment refuses beside the field. Only the file is skipped (StopUpload would
    stop reading the request), so the fields after it, the KSBs and the button pressed, still
    come back to the form as they were sent."""

    request_too_long = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        limit = MAX_ATTACHMENT_BYTES + fields + PART_HEADERS_BYTES
        self.request_too_long = content_length > limit

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.request_too_long:
            raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        if self.request_too_long or start + len(raw_data) > MAX_ATTACHMENT_BYTES:
            return None
        return raw_data

    def file_complete(self, file_size):
        if not (self.request_too_long or file_size > MAX_ATTACHMENT_BYTES):
            return None
        if not self.request_too_long:
            # The handlers after this one hold the file's first bytes and will not be asked to
            # complete it: they drop what they hold (a temporary file) now.
            handlers = self.request.upload_handlers
            for handler in handlers[handlers.index(self) + 1 :]:
                handler.upload_interrupted()
        return TooLargeUpload(self.file_name, self.content_type, file_size)
