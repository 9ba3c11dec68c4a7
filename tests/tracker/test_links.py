import pytest
from django.core.exceptions import ValidationError

from tracker.links import EvidenceLink, describe_link, validate_evidence_url

SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"


@pytest.mark.parametrize(
    ("url", "kind", "label", "repository"),
    [
        (
            "https://github.com/octo/app/pull/42",
            "pull_request",
            "Pull request #42 in octo/app",
            "octo/app",
        ),
        (
            "https://github.com/octo/app/pull/42/files",
            "pull_request",
            "Pull request #42 in octo/app",
            "octo/app",
        ),
        (
            f"https://github.com/octo/app/pull/42/commits/{SHA}",
            "pull_request",
            "Pull request #42 in octo/app",
            "octo/app",
        ),
        (
            f"https://github.com/octo/app/commit/{SHA}",
            "commit",
            "Commit 9fceb02 in octo/app",
            "octo/app",
        ),
        (
            "https://github.com/octo/app/actions/runs/123456",
            "workflow_run",
            "Workflow run 123456 in octo/app",
            "octo/app",
        ),
        (
            "https://github.com/octo/app/actions/runs/123456/job/789",
            "workflow_run",
            "Workflow run 123456 in octo/app",
            "octo/app",
        ),
        (
            "https://github.com/octo/app/actions/runs/123456/attempts/2",
            "workflow_run",
            "Workflow run 123456 in octo/app",
            "octo/app",
        ),
        (
            "https://github.com/octo/app/issues/7",
            "issue",
            "Issue #7 in octo/app",
            "octo/app",
        ),
        (
            "https://github.com/my-org/my.repo_2/pull/1",
            "pull_request",
            "Pull request #1 in my-org/my.repo_2",
            "my-org/my.repo_2",
        ),
    ],
)
def test_github_work_is_recognised(url, kind, label, repository):
    assert describe_link(url) == EvidenceLink(url, kind, label, repository, "github.com")


@pytest.mark.parametrize(
    ("url", "kind", "label"),
    [
        (
            "https://gitlab.com/group/project/-/merge_requests/12",
            "merge_request",
            "Merge request !12 in group/project",
        ),
        (
            "https://gitlab.com/group/project/-/merge_requests/12/diffs",
            "merge_request",
            "Merge request !12 in group/project",
        ),
        (
            f"https://gitlab.com/group/project/-/commit/{SHA}",
            "commit",
            "Commit 9fceb02 in group/project",
        ),
        (
            "https://gitlab.com/group/project/-/pipelines/555",
            "pipeline",
            "Pipeline #555 in group/project",
        ),
        (
            "https://gitlab.com/group/project/-/jobs/999",
            "pipeline",
            "Pipeline job 999 in group/project",
        ),
        (
            "https://gitlab.com/group/project/-/issues/3",
            "issue",
            "Issue #3 in group/project",
        ),
    ],
)
def test_gitlab_work_is_recognised(url, kind, label):
    assert describe_link(url) == EvidenceLink(url, kind, label, "group/project", "gitlab.com")


@pytest.mark.parametrize(
    ("url", "label", "repository"),
    [
        (
            "https://gitlab.com/group/sub/project/-/merge_requests/8",
            "Merge request !8 in group/sub/project",
            "group/sub/project",
        ),
        (
            "https://gitlab.com/a/b/c/d/project/-/pipelines/1",
            "Pipeline #1 in a/b/c/d/project",
            "a/b/c/d/project",
        ),
    ],
)
def test_gitlab_nested_groups_keep_the_full_project_path(url, label, repository):
    link = describe_link(url)
    assert (link.label, link.repository) == (label, repository)


@pytest.mark.parametrize(
    ("url", "kind", "label", "host"),
    [
        (
            "https://git.example.org/platform/infra/-/merge_requests/4",
            "merge_request",
            "Merge request !4 in platform/infra",
            "git.example.org",
        ),
        (
            "http://gitlab.internal:8080/ops/deploy/-/jobs/77",
            "pipeline",
            "Pipeline job 77 in ops/deploy",
            "gitlab.internal",
        ),
        (
            f"https://code.example.ac.uk/team/sub/svc/-/commit/{SHA}",
            "commit",
            "Commit 9fceb02 in team/sub/svc",
            "code.example.ac.uk",
        ),
    ],
)
def test_self_hosted_gitlab_is_recognised_by_its_path(url, kind, label, host):
    link = describe_link(url)
    assert (link.kind, link.label, link.host) == (kind, label, host)


@pytest.mark.parametrize(
    ("url", "kind", "label"),
    [
        (
            "https://github.com/octo/app/pull/42?w=1#discussion_r1",
            "pull_request",
            "Pull request #42 in octo/app",
        ),
        ("https://github.com/octo/app/pull/42/", "pull_request", "Pull request #42 in octo/app"),
        ("https://www.github.com/octo/app/issues/5", "issue", "Issue #5 in octo/app"),
        ("HTTPS://GitHub.COM/octo/app/pull/42", "pull_request", "Pull request #42 in octo/app"),
        (
            "https://GITLAB.com/group/project/-/pipelines/9?ref=main#top",
            "pipeline",
            "Pipeline #9 in group/project",
        ),
        (
            "https://gitlab.com/group/project/-/issues/3/",
            "issue",
            "Issue #3 in group/project",
        ),
        ("  https://github.com/octo/app/pull/42\n", "pull_request", "Pull request #42 in octo/app"),
    ],
)
def test_query_fragment_slash_case_and_www_are_tolerated(url, kind, label):
    link = describe_link(url)
    assert (link.kind, link.label) == (kind, label)


def test_host_is_lower_case_without_www_and_url_is_trimmed():
    link = describe_link(" HTTPS://WWW.GitHub.com/octo/app/pull/42 ")
    assert link.host == "github.com"
    assert link.url == "HTTPS://WWW.GitHub.com/octo/app/pull/42"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://example.com/blog/post", "example.com"),
        ("https://www.example.com/", "example.com"),
        ("http://Docs.Example.org", "docs.example.org"),
        ("https://github.com/octo/app", "github.com"),
        ("https://github.com/octo/app/pull/abc", "github.com"),
        ("https://github.com/octo/app/commit/not-a-sha", "github.com"),
        ("https://github.com/octo/app/actions/runs", "github.com"),
        ("https://github.com/octo/app/actions/workflows/ci.yml", "github.com"),
        ("https://gitlab.com/group/project", "gitlab.com"),
        ("https://gitlab.com/group/project/-/tree/main", "gitlab.com"),
        ("https://gitlab.com/project/-/merge_requests/1", "gitlab.com"),
        ("https://gitlab.com/group/project/-/merge_requests", "gitlab.com"),
        ("https://example.com/x/y/pull/1", "example.com"),
        # The host is what the browser will visit, whatever the user part says.
        ("https://github.com@evil.example/octo/app/pull/1", "evil.example"),
    ],
)
def test_other_web_addresses_are_plain_links(url, host):
    assert describe_link(url) == EvidenceLink(url, "link", f"Link to {host}", "", host)


@pytest.mark.parametrize("url", ["", "   ", None])
def test_blank_describes_nothing(url):
    assert describe_link(url) is None


REFUSED = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript://github.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.com/file.txt",
    "file:///etc/passwd",
    "mailto:someone@example.com",
    "/relative/path",
    "github.com/octo/app/pull/1",
    "//example.com/protocol-relative",
    "http://",
    "https:///no-host",
    "https:example.com",
    "http://[::1",
]


@pytest.mark.parametrize("url", REFUSED)
def test_unsafe_or_incomplete_addresses_are_refused(url):
    with pytest.raises(ValidationError) as raised:
        validate_evidence_url(url)
    assert raised.value.code == "scheme"
    assert raised.value.messages == ["Enter a web address starting with http:// or https://."]


@pytest.mark.parametrize("url", REFUSED)
def test_unsafe_or_incomplete_addresses_describe_nothing(url):
    assert describe_link(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com/path?q=1#frag",
        "HTTPS://EXAMPLE.COM",
        "https://github.com/octo/app/pull/42",
        "https://192.0.2.1:8443/status",
    ],
)
def test_web_addresses_are_accepted(url):
    validate_evidence_url(url)
