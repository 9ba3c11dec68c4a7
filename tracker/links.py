"""Recognise the DevOps work an evidence link points at: a pull or merge request, a commit, a
CI run or an issue on GitHub or GitLab, so lists can say what it is instead of showing a URL."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

GITHUB_HOSTS = {"github.com", "www.github.com"}
# Browsers ignore leading and trailing control characters and spaces, so "\x01javascript:" is
# still a script: strip them before deciding what the scheme is.
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_NAME = re.compile(r"[\w.-]+")
_NUMBER = re.compile(r"[0-9]+")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")

_GITHUB_KINDS = {
    "pull": ("pull_request", "Pull request #{} in {}"),
    "issues": ("issue", "Issue #{} in {}"),
}
_GITLAB_KINDS = {
    "merge_requests": ("merge_request", "Merge request !{} in {}"),
    "pipelines": ("pipeline", "Pipeline #{} in {}"),
    "jobs": ("pipeline", "Pipeline job {} in {}"),
    "issues": ("issue", "Issue #{} in {}"),
}


@dataclass(frozen=True)
class EvidenceLink:
    """What a link is. `kind` is one of pull_request, merge_request, commit, pipeline,
    workflow_run, issue or link; `label` is the text shown for it; `repository` is "" for a
    plain link."""

    url: str
    kind: str
    label: str
    repository: str
    host: str


def validate_evidence_url(url: str) -> None:
    """Refuse anything but an http or https address with a host, so a link can never run script
    (javascript:, data:) or point at the viewer's own machine (file:)."""
    if _web_parts(url) is None:
        raise ValidationError(
            "Enter a web address starting with http:// or https://.", code="scheme"
        )


def describe_link(url: str) -> EvidenceLink | None:
    """Say what an evidence URL points at; None when it is blank or not a safe web address."""
    parts = _web_parts(url)
    if parts is None:
        return None
    url, host, segments = parts
    found = _github(segments) if host in GITHUB_HOSTS else _gitlab(segments)
    host = host.removeprefix("www.")
    if found is None:
        return EvidenceLink(url, "link", f"Link to {host}", "", host)
    kind, label, repository = found
    return EvidenceLink(url, kind, label, repository, host)


def _web_parts(url):
    """The cleaned URL, its lower-case host and its path segments, or None unless http(s)."""
    url = (url or "").strip(_C0_AND_SPACE)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    return url, host, [segment for segment in parts.path.split("/") if segment]


def _github(segments):
    """(kind, label, repository) for /{owner}/{repo}/..., or None for other GitHub pages."""
    if len(segments) < 4 or not all(_NAME.fullmatch(name) for name in segments[:2]):
        return None
    repository = "/".join(segments[:2])
    section, ref = segments[2], segments[3]
    if section in _GITHUB_KINDS and _NUMBER.fullmatch(ref):
        kind, label = _GITHUB_KINDS[section]
        return kind, label.format(ref, repository), repository
    if section == "commit" and _SHA.fullmatch(ref):
        return "commit", f"Commit {ref[:7]} in {repository}", repository
    if section == "actions" and ref == "runs" and len(segments) > 4:
        run = segments[4]
        if _NUMBER.fullmatch(run):
            return "workflow_run", f"Workflow run {run} in {repository}", repository
    return None


def _gitlab(segments):
    """(kind, label, repository) for /{group/.../project}/-/..., on gitlab.com or self-hosted."""
    if "-" not in segments:
        return None
    dash = segments.index("-")
    project, rest = segments[:dash], segments[dash + 1 :]
    # Every GitLab project lives in a namespace (a user or a group), so the path has two parts
    # or more.
    if len(project) < 2 or len(rest) < 2 or not all(_NAME.fullmatch(name) for name in project):
        return None
    repository = "/".join(project)
    section, ref = rest[0], rest[1]
    if section in _GITLAB_KINDS and _NUMBER.fullmatch(ref):
        kind, label = _GITLAB_KINDS[section]
        return kind, label.format(ref, repository), repository
    if section == "commit" and _SHA.fullmatch(ref):
        return "commit", f"Commit {ref[:7]} in {repository}", repository
    return None
