"""Reading apprenticeship standards in the format of the public IfATE standards API.

This module only reads and tidies: it turns a JSON record into a ``ParsedStandard`` or says,
in one line, why it cannot. Writing to the database is ``services.standard_import``'s job.

Real records are untidy (see the README): mapping lists may be ``null``, a duty may name an id
that is not in the record, texts carry doubled spaces, tabs, bullets or their own "K1:" code,
older records have no duties and retired ones no KSBs at all.
"""

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.html import strip_tags

# (kind, list key in the record, id key of each item)
KSB_LISTS = (
    ("K", "knowledges", "knowledgeId"),
    ("S", "skills", "skillId"),
    ("B", "behaviours", "behaviourId"),
)
# The API spells the behaviour mapping in the singular; accept the plural as well.
DUTY_MAPPINGS = ("mappedKnowledge", "mappedSkills", "mappedBehaviour", "mappedBehaviours")

_BULLET = re.compile(
    "^[\u2022\u00b7\u25e6\u25aa\u2023\u25cf\u25cb\u25a0\u25a1*\\-\u2013\u2014]+\\s*"
)
_CODE_PREFIX = re.compile(
    r"^(?P<kind>[KSB])\s*(?P<number>\d+)\s*[:.)\-\u2013\u2014]\s*", re.IGNORECASE
)
_DUTY_PREFIX = re.compile(r"^duty\s*(?P<number>\d+)\s*[:.)\-\u2013\u2014]\s*", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


class SourceError(Exception):
    """A file that cannot be read as IfATE records at all."""


class RecordError(Exception):
    """A record that cannot be imported; the message is the one-line reason."""


@dataclass(frozen=True)
class ParsedKSB:
    kind: str
    number: int
    description: str

    @property
    def code(self):
        return f"{self.kind}{self.number}"


@dataclass(frozen=True)
class ParsedDuty:
    number: int
    description: str
    ksb_codes: tuple[tuple[str, int], ...]


@dataclass
class ParsedStandard:
    reference: str
    version: str
    title: str
    level: int
    typical_duration_months: int | None
    status: str
    route: str
    overview: str
    url: str
    ksbs: list[ParsedKSB]
    duties: list[ParsedDuty]
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self):
        return f"{self.reference} v{self.version} {self.title}"

    def standard_fields(self):
        return {
            "title": self.title,
            "level": self.level,
            "typical_duration_months": self.typical_duration_months,
            "status": version_status(self.status),
            "route": self.route,
            "overview": self.overview,
            "url": self.url,
        }


def version_status(words):
    """The version status (Standard.Status) for IfATE's status words: "Approved for delivery"
    is approved, "Retired" and "Withdrawn" retired, anything else (in development) a draft."""
    words = words.strip().lower()
    if words.startswith("approved"):
        return "approved"
    if words.startswith(("retired", "withdrawn")):
        return "retired"
    return "draft"


def collapse(text):
    """Collapse every run of white space (tabs, newlines, non-breaking spaces) to one space."""
    return " ".join(str(text).split())


def tidy(text, code=None):
    """Tidy one statement: entities decoded, white space collapsed, a leading bullet dropped,
    and a leading "K1:"-style prefix dropped when it repeats the statement's own ``code``."""
    text = collapse(html.unescape(text))
    text = _BULLET.sub("", text)
    if code is not None:
        match = _CODE_PREFIX.match(text)
        if match and f"{match['kind'].upper()}{int(match['number'])}" == code:
            text = text[match.end() :]
    return text.strip()


def tidy_html(text):
    """Plain text from a field that may hold (escaped) HTML, such as ``overviewOfRole``."""
    text = html.unescape(str(text))
    if _HTML_TAG.search(text):
        text = html.unescape(strip_tags(text))
    return collapse(text)


def read_records(path):
    """Return the list of records in the file at ``path`` (one record or a list of them)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except OSError as exc:
        raise SourceError(f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SourceError("is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        if not data:
            raise SourceError("holds an empty list: no records to import")
        return data
    raise SourceError(f"holds a JSON {type(data).__name__}, not a record or a list of records")


def _text(record, key):
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise RecordError(f"{key} is not text")
    return collapse(value)


def _whole_number(value, key, *, required):
    if value is None or value == "":
        if required:
            raise RecordError(f"has no {key}")
        return None
    if isinstance(value, bool):
        raise RecordError(f"{key} is not a whole number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if required:
        raise RecordError(f"{key} is not a whole number: {value!r}")
    return None


def _version(record):
    for key in ("version", "versionNumber"):
        value = record.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return f"{value}.0"
        if isinstance(value, float):
            return f"{value:.1f}"
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise RecordError("has no version (neither version nor versionNumber)")


def _ksb_list(record, kind, list_key, id_key, warnings):
    items = record.get(list_key)
    if items is None:
        return [], {}
    if not isinstance(items, list):
        raise RecordError(f"{list_key} is not a list")
    ksbs, ids = [], {}
    for position, item in enumerate(items, start=1):
        code = f"{kind}{position}"
        if isinstance(item, str):
            item = {"detail": item}
        if not isinstance(item, dict):
            raise RecordError(f"{code} is not an object with a detail text")
        detail = item.get("detail")
        if not isinstance(detail, str) or not tidy(detail, code):
            raise RecordError(f"{code} has no text")
        label = _own_label(detail, kind)
        if label is not None and label != code:
            # Codes come from positions; a text labelled otherwise means a statement is
            # missing or out of order, and two statements would claim one code.
            raise RecordError(
                f"KSBs collide: the statement at {code} is labelled {label} in its text; "
                "codes follow the order of the record"
            )
        ksbs.append(ParsedKSB(kind, position, tidy(detail, code)))
        guid = item.get(id_key)
        if isinstance(guid, str) and guid.strip():
            key = guid.strip().lower()
            if key in ids:
                raise RecordError(
                    f"KSBs collide: {ids[key][0]}{ids[key][1]} and {code} have the same id "
                    f"{guid.strip()}, so a duty naming it is ambiguous"
                )
            ids[key] = (kind, position)
    return ksbs, ids


def _own_label(detail, kind):
    """The code a statement's text is labelled with ("K4" for "K4: ..."), if it is labelled
    with a code of its own kind; None otherwise."""
    match = _CODE_PREFIX.match(_BULLET.sub("", collapse(html.unescape(detail))))
    if match is None or match["kind"].upper() != kind:
        return None
    return f"{kind}{int(match['number'])}"


def _duties(record, ids, warnings):
    items = record.get("duties")
    if items is None:
        return []
    if not isinstance(items, list):
        raise RecordError("duties is not a list")
    duties = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise RecordError(f"duty {number} is not an object")
        detail = item.get("dutyDetail")
        text = _DUTY_PREFIX.sub("", tidy(detail)) if isinstance(detail, str) else ""
        if not text:
            raise RecordError(f"duty {number} has no text")
        codes, unknown = [], []
        for key in DUTY_MAPPINGS:
            guids = item.get(key)
            if guids is None:
                continue
            if isinstance(guids, str):
                guids = [guids]
            if not isinstance(guids, list):
                raise RecordError(f"duty {number}: {key} is not a list")
            for guid in guids:
                found = ids.get(guid.strip().lower()) if isinstance(guid, str) else None
                if found is None:
                    unknown.append(str(guid))
                elif found not in codes:
                    codes.append(found)
        if unknown:
            warnings.append(
                f"duty {number} names {len(unknown)} KSB id(s) not in the record, skipped: "
                + ", ".join(unknown)
            )
        codes.sort(key=lambda code: ("KSB".find(code[0]), code[1]))
        duties.append(ParsedDuty(number, text, tuple(codes)))
    return duties


def parse_record(record):
    """Turn one IfATE record into a ``ParsedStandard``; raise ``RecordError`` with the reason."""
    if not isinstance(record, dict):
        raise RecordError(f"not a standard (a JSON {type(record).__name__}, not an object)")
    reference = _text(record, "referenceNumber").upper()
    if not reference:
        raise RecordError("not a standard (no referenceNumber)")
    if not re.fullmatch(r"[A-Z]{2}\d{4}", reference):
        raise RecordError(f"not a standard (referenceNumber {reference!r} is not like ST0825)")
    title = _text(record, "title")
    if not title:
        raise RecordError("has no title")
    warnings = []
    url = _text(record, "standardPageUrl")
    if url and not re.match(r"https?://", url):
        warnings.append(f"standardPageUrl {url!r} is not a web address, left out")
        url = ""
    parsed = ParsedStandard(
        reference=reference,
        version=_version(record),
        title=title,
        level=_whole_number(record.get("level"), "level", required=True),
        typical_duration_months=_whole_number(
            record.get("typicalDuration"), "typicalDuration", required=False
        ),
        status=_text(record, "status"),
        route=_text(record, "route"),
        overview=tidy_html(record.get("overviewOfRole") or ""),
        url=url,
        ksbs=[],
        duties=[],
        warnings=warnings,
    )
    ids = {}
    for kind, list_key, id_key in KSB_LISTS:
        ksbs, kind_ids = _ksb_list(record, kind, list_key, id_key, warnings)
        parsed.ksbs.extend(ksbs)
        for key, code in kind_ids.items():
            if key in ids:
                first = f"{ids[key][0]}{ids[key][1]}"
                raise RecordError(
                    f"KSBs collide: {first} and {code[0]}{code[1]} have the same id {key}, "
                    "so a duty naming it is ambiguous"
                )
            ids[key] = code
    if not parsed.ksbs:
        raise RecordError("has no KSBs (knowledges, skills and behaviours are all empty)")
    parsed.duties = _duties(record, ids, warnings)
    return parsed
