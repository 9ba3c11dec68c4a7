"""The public pages show each standard's versions: their status, which is current, drafts only
to staff, and what changed between two versions."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.http import parse_http_date

from standards.models import Standard
from tests.conftest import DATA, ST0825_RECORD, verified_user
from tests.factories import KSBFactory, make_standard

pytestmark = pytest.mark.django_db

LIST_URL = reverse("standards:standard-list")
ST0825_V11_RECORD = DATA / "ST0825_v1.1.test.json"


def detail_url(standard):
    return reverse(
        "standards:standard-detail",
        kwargs={"reference": standard.reference, "version": standard.version},
    )


def compare_url(reference, old, new):
    return reverse(
        "standards:standard-compare", kwargs={"reference": reference, "old": old, "new": new}
    )


def text(response):
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def staff(db):
    return verified_user("staff@example.com", "Stef Staff", is_staff=True)


@pytest.fixture
def versions(db):
    """ST0116 in four versions: 1.0 retired, 1.1 and 1.10 approved, 2.0 a draft."""
    made = {}
    for version, status in (("1.0", "retired"), ("1.1", "approved"), ("1.10", "approved")):
        made[version] = make_standard(reference="ST0116", version=version, status=status)
    made["2.0"] = make_standard(reference="ST0116", version="2.0", status="draft")
    return made


@pytest.fixture
def st0825_both(db):
    """ST0825 1.0 and 1.1 imported from their IfATE records, both approved for delivery."""
    call_command("import_standard", str(ST0825_RECORD), stdout=None)
    call_command("import_standard", str(ST0825_V11_RECORD), stdout=None)
    return (
        Standard.objects.get(reference="ST0825", version="1.0"),
        Standard.objects.get(reference="ST0825", version="1.1"),
    )


# --- the list ------------------------------------------------------------------------------


def test_list_groups_the_versions_newest_first_and_marks_the_current_one(client, versions):
    response = client.get(LIST_URL)
    (group,) = response.context["groups"]
    assert [s.version for s in group.versions] == ["1.10", "1.1", "1.0"]
    assert group.current.version == "1.10"
    page = text(response)
    assert "1 standard." in page
    assert "Version 1.10 of ST0116 Current version Approved for delivery" in page
    assert "Version 1.0 of ST0116 Retired" in page
    assert page.count("Current version") == 1
    assert "2.0" not in page  # a draft is not public


def test_staff_see_drafts_on_the_list(client, versions, staff):
    client.force_login(staff)
    response = client.get(LIST_URL)
    (group,) = response.context["groups"]
    assert [s.version for s in group.versions] == ["2.0", "1.10", "1.1", "1.0"]
    assert "Version 2.0 of ST0116 Draft" in text(response)


def test_a_standard_with_only_drafts_is_not_listed_for_the_public(client, staff):
    make_standard(reference="ST0999", status="draft")
    assert "No standards yet." in client.get(LIST_URL).content.decode()
    client.force_login(staff)
    assert "ST0999" in client.get(LIST_URL).content.decode()


# --- the detail page -----------------------------------------------------------------------


def test_detail_shows_its_status_the_versions_and_what_changed_since_the_one_before(
    client, versions
):
    response = client.get(detail_url(versions["1.10"]))
    html = response.content.decode()
    page = text(response)
    assert "Version 1.10: Approved for delivery. Current version" in page
    nav = html[
        html.index('aria-labelledby="versions-heading"') : html.index(
            "</nav>", html.index("versions-heading")
        )
    ]
    assert re.findall(r">Version ([\d.]+)</a>", nav) == ["1.10", "1.1", "1.0"]
    assert '<a href="/standards/ST0116/1.10/" aria-current="page">' in nav
    assert "2.0" not in nav
    assert f'href="{compare_url("ST0116", "1.1", "1.10")}"' in html
    assert "What changed since v1.1" in html


def test_an_older_version_points_at_the_current_one(client, versions):
    page = text(client.get(detail_url(versions["1.0"])))
    assert "Version 1.0: Retired. Go to the current version, 1.10" in page
    assert "What changed since" not in page  # nothing older


def test_a_draft_is_404_for_the_public_and_a_preview_for_staff(client, versions, user, staff):
    url = detail_url(versions["2.0"])
    assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert "Draft: not offered yet." in page
    assert "Version 2.0: Draft." in page
    assert "What changed since v1.10" in page
    # The current version's page shows staff the draft in its navigation.
    assert ">Version 2.0</a>" in client.get(detail_url(versions["1.10"])).content.decode()


def test_reference_alone_goes_to_the_newest_approved_version(client, versions, staff):
    assert client.get("/standards/ST0116/").url == "/standards/ST0116/1.10/"
    client.force_login(staff)  # a newer draft is no current version, even for staff
    assert client.get("/standards/ST0116/").url == "/standards/ST0116/1.10/"


def test_reference_alone_falls_back_to_the_newest_public_version(client, staff):
    for version in ("1.0", "1.1"):
        make_standard(reference="ST0200", version=version, status="retired")
    make_standard(reference="ST0200", version="2.0", status="draft")
    assert client.get("/standards/ST0200/").url == "/standards/ST0200/1.1/"
    make_standard(reference="ST0300", status="draft")
    assert client.get("/standards/ST0300/").status_code == 404
    client.force_login(staff)
    assert client.get("/standards/ST0300/").url == "/standards/ST0300/1.0/"


# --- the versions navigation is never stale ------------------------------------------------


def test_a_newly_imported_version_shows_on_the_older_versions_page_at_once(client, db):
    call_command("import_standard", str(ST0825_RECORD), stdout=None)
    old = Standard.objects.get(reference="ST0825", version="1.0")
    first = client.get(detail_url(old))
    assert "Current version" in first.content.decode()

    call_command("import_standard", str(ST0825_V11_RECORD), stdout=None)
    response = client.get(detail_url(old), headers={"if_none_match": first["ETag"]})
    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    page = text(response)
    assert "Version 1.0: Approved for delivery. Go to the current version, 1.1" in page
    # Last-Modified is dated by the newest stamp of every version, the new one's included.
    new = Standard.objects.get(reference="ST0825", version="1.1")
    assert parse_http_date(response["Last-Modified"]) == int(new.content_updated_at.timestamp())


def test_a_status_change_of_another_version_changes_the_page(client, versions):
    url = detail_url(versions["1.1"])
    first = client.get(url)
    assert client.get(url, headers={"if_none_match": first["ETag"]}).status_code == 304
    newest = versions["1.10"]
    newest.status = Standard.Status.RETIRED
    newest.save(update_fields=["status"])
    response = client.get(url, headers={"if_none_match": first["ETag"]})
    assert response.status_code == 200
    assert "Version 1.1: Approved for delivery. Current version" in text(response)


def test_the_content_cache_is_kept_when_only_the_navigation_changes(
    client, versions, django_assert_num_queries
):
    url = detail_url(versions["1.1"])
    client.get(url)
    make_standard(reference="ST0116", version="3.0", status="approved")
    with django_assert_num_queries(1):  # the versions; the content is still cached
        response = client.get(url)
    assert "Go to the current version, 3.0" in text(response)


@pytest.mark.parametrize("count", [1, 5])
def test_the_page_costs_the_same_queries_however_many_versions(
    client, db, django_assert_num_queries, count
):
    for n in range(count):
        make_standard(reference="ST0400", version=f"1.{n}", knowledge=4, duties=2)
    standard = Standard.objects.get(reference="ST0400", version="1.0")
    with django_assert_num_queries(4):  # the versions, KSBs, duties, duty-KSB links
        first = client.get(detail_url(standard))
    with django_assert_num_queries(1):
        assert (
            client.get(detail_url(standard), headers={"if_none_match": first["ETag"]}).status_code
            == 304
        )


# --- comparing two versions ----------------------------------------------------------------


def test_compare_shows_the_summary_and_each_change(client, st0825_both):
    response = client.get(compare_url("ST0825", "1.0", "1.1"))
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "1 KSB added, 1 removed, 1 reworded; 4 duties remapped." in page
    assert "KSBs added (1) K26 Platform engineering" in page
    assert "KSBs removed (1) S22 Incremental refactoring" in page
    assert (
        '<del><span class="visually-hidden">[removed: </span>legislation.'
        '<span class="visually-hidden">]</span></del> '
        '<ins><span class="visually-hidden">[added: </span>legislation, including cloud-native'
        ' patterns.<span class="visually-hidden">]</span></ins>'
    ) in html
    assert "Duties added (0) None." in page
    assert "Duties removed (0) None." in page
    assert "Duties reworded (0) None." in page
    assert "Duty 2 " in page and "Now draws on K26" in page
    assert "No longer draws on S22" in page
    assert f'href="{detail_url(st0825_both[1])}#K26"' in html
    assert f'href="{detail_url(st0825_both[0])}#S22"' in html


def test_the_detail_page_links_to_the_comparison(client, st0825_both):
    html = client.get(detail_url(st0825_both[1])).content.decode()
    assert f'<a class="version-compare-link" href="{compare_url("ST0825", "1.0", "1.1")}">' in html


def test_compare_form_has_labelled_selects_of_the_public_versions(client, versions):
    html = client.get(compare_url("ST0116", "1.1", "1.10")).content.decode()
    assert '<label class="form-label" for="compare-old">From version</label>' in html
    assert '<label class="form-label" for="compare-new">To version</label>' in html
    assert '<select class="form-select" id="compare-old" name="old">' in html
    options = re.findall(r'<option value="([\d.]+)"', html)
    assert options == ["1.10", "1.1", "1.0"] * 2
    assert '<option value="1.10" selected>1.10 (current)</option>' in html
    assert '<option value="1.0">1.0 (retired)</option>' in html
    assert '<option value="1.1" selected>1.1</option>' in html


def test_the_form_choice_goes_to_its_comparison(client, versions):
    url = compare_url("ST0116", "1.1", "1.10")
    response = client.get(url, {"old": "1.0", "new": "1.1"})
    assert response.status_code == 302
    assert response.url == compare_url("ST0116", "1.0", "1.1")


def test_a_tampered_form_choice_is_a_clear_message_on_the_same_comparison(client, versions):
    url = compare_url("ST0116", "1.1", "1.10")
    for params in ({"old": "2.0", "new": "1.1"}, {"old": "9.9"}, {"old": "<b>", "new": ""}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert "Choose two versions of ST0116 from the lists." in text(response)
        assert response.context["older"].version == "1.1"


def test_same_version_says_so_politely(client, versions):
    response = client.get(compare_url("ST0116", "1.1", "1.1"))
    assert response.status_code == 200
    assert "These are the same version." in text(response)
    assert "KSBs added" not in text(response)


def test_newer_to_older_goes_to_older_to_newer_and_says_so(client, versions):
    response = client.get(compare_url("ST0116", "1.10", "1.1"), follow=True)
    assert response.redirect_chain == [(compare_url("ST0116", "1.1", "1.10"), 302)]
    assert (
        "Version 1.10 is newer than 1.1: the comparison runs from the older version to the newer"
        in text(response)
    )


def test_unknown_versions_and_drafts_are_404_for_the_public(client, versions, staff):
    assert client.get(compare_url("ST0116", "1.0", "9.9")).status_code == 404
    assert client.get(compare_url("ST9999", "1.0", "1.1")).status_code == 404
    make_standard(reference="ST0500", version="1.2")
    assert client.get(compare_url("ST0116", "1.0", "1.2")).status_code == 404  # another one's
    draft = compare_url("ST0116", "1.10", "2.0")
    assert client.get(draft).status_code == 404
    client.force_login(staff)
    assert client.get(draft).status_code == 200


def test_compare_escapes_the_texts(client, db):
    old = make_standard(reference="ST0600", version="1.0", knowledge=0, skills=0, behaviours=0)
    new = make_standard(reference="ST0600", version="1.1", knowledge=0, skills=0, behaviours=0)
    KSBFactory(standard=old, kind="K", number=1, description="Safe <i>text</i>.")
    KSBFactory(standard=new, kind="K", number=1, description="<script>alert(1)</script> text.")
    html = client.get(compare_url("ST0600", "1.0", "1.1")).content.decode()
    assert "<script>alert(1)" not in html and "<i>text" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("scale", [1, 5])
def test_compare_costs_the_same_queries_at_any_size(client, db, django_assert_num_queries, scale):
    for version in ("1.0", "1.1", "1.2")[: 1 + scale // 2]:
        make_standard(
            reference="ST0700", version=version, knowledge=5 * scale, skills=3 * scale, duties=scale
        )
    make_standard(reference="ST0700", version="2.0", knowledge=6 * scale, duties=2 * scale)
    url = compare_url("ST0700", "1.0", "2.0")
    # The versions, then each version's KSBs, duties and duty-KSB links.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["diff"].ksbs_removed) == 3 * scale - 2  # S3 and on
    with django_assert_num_queries(1):  # the structures are kept per process
        client.get(url)


DRAFT_URLS = [
    "/standards/ST0116/2.0/",
    "/standards/ST0116/compare/1.10/2.0/",
    "/standards/ST0116/compare/2.0/2.0/",
]


@pytest.mark.parametrize("url", DRAFT_URLS)
@pytest.mark.parametrize(
    "who, expected", [("anonymous", 404), ("user", 404), ("staff", 200), ("admin_user", 200)]
)
def test_draft_pages_answer_each_kind_of_user(client, versions, request, url, who, expected):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == expected
