"""Issue 12: before the irreversible submit, the apprentice sees every rating, grouped by
section, with the gaps and the changes since the last scan marked in words; after validation,
where the employer scored differently, and why."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from skillscan.models import SkillScan
from tests.factories import ApprenticeshipFactory, make_scan, make_standard

pytestmark = pytest.mark.django_db


def submit_url(scan):
    return reverse("skillscan:scan-submit", kwargs={"pk": scan.pk})


def rate_url(scan, section):
    return reverse("skillscan:scan-rate", kwargs={"pk": scan.pk, "section": section})


def item(html, code):
    """The check page's entry for one KSB."""
    match = re.search(rf'<li class="check-item[^"]*" id="check-{code}">.*?</li>', html, re.S)
    assert match, f"no entry for {code}"
    return match[0]


def every_ksb_at(devops, score, **overrides):
    return {k.code: overrides.get(k.code, score) for k in devops.standard.ksbs.all()}


@pytest.fixture
def earlier():
    # Local time, as the pages print it: near midnight a UTC date can be a day off.
    return timezone.localtime() - timedelta(days=90)


def test_check_page_shows_every_rating_by_section_with_links_to_change(as_apprentice, devops):
    draft = make_scan(devops, scores=every_ksb_at(devops, 2, K1=0, S3=1, B2=4))
    draft.ratings.filter(ksb__kind="B", ksb__number=2).update(comment="I <b>lead</b> it")
    html = as_apprentice.get(submit_url(draft)).content.decode()
    for heading in ("Knowledge (25)", "Skills (22)", "Behaviours (4)"):
        assert f">{heading}</h2>" in html
    assert html.count('class="check-item') == 51
    b2 = item(html, "B2")
    assert "Your rating: <strong>4 Expert</strong>" in b2
    assert "Your comment: I &lt;b&gt;lead&lt;/b&gt; it" in b2
    assert f'href="{rate_url(draft, "b")}#B2">Change<span class="visually-hidden"> B2</span>' in b2
    assert "is-flagged" not in b2 and "Gap" not in b2
    assert "This is your first scan" in html
    assert "Submit for validation</button>" in html


def test_gaps_are_marked_in_words(as_apprentice, devops):
    draft = make_scan(devops, scores=every_ksb_at(devops, 2, K1=0, S3=1))
    html = as_apprentice.get(submit_url(draft)).content.decode()
    assert "<strong>2</strong> rated 0 (Not yet) or 1 (Aware)" in html
    for code, words in (("K1", "0 Not yet"), ("S3", "1 Aware")):
        entry = item(html, code)
        assert "is-flagged" in entry and ">Gap</span>" in entry and words in entry
    assert ">Gap</span>" not in item(html, "K2")


def test_changes_since_the_last_scan_are_marked_against_its_agreed_score(
    as_apprentice, devops, earlier
):
    make_scan(
        devops,
        status="validated",
        scores=every_ksb_at(devops, 2),
        employer={"K7": 1, "S1": 3},  # agreed: K7 1, S1 3, the rest 2
        created_at=earlier,
        submitted_at=earlier,
    )
    draft = make_scan(devops, stage="review", scores=every_ksb_at(devops, 2, K7=3, B1=4))
    html = as_apprentice.get(submit_url(draft)).content.decode()
    assert f"<strong>3</strong> changed since your initial scan of {earlier:%-d %B %Y}" in html
    assert "Up 2 since last scan (agreed then: 1 Aware)" in item(html, "K7")
    assert "Down 1 since last scan (agreed then: 3 Competent)" in item(html, "S1")
    assert "Up 2 since last scan (agreed then: 2 Developing)" in item(html, "B1")
    assert "since last scan" not in item(html, "K1")
    assert "is-flagged" in item(html, "S1") and "is-flagged" not in item(html, "K1")


def test_missing_ratings_are_listed_and_shown_in_place(as_apprentice, devops):
    scores = every_ksb_at(devops, 2)
    del scores["K4"]
    draft = make_scan(devops, scores=scores)
    html = as_apprentice.get(submit_url(draft)).content.decode()
    assert "1 KSB still needs a rating" in html
    assert f'href="{rate_url(draft, "k")}#K4">K4</a>' in html
    k4 = item(html, "K4")
    assert "Not rated yet" in k4 and ">Rate<span" in k4 and "is-flagged" in k4
    assert "Submit for validation</button>" not in html


def test_a_draft_of_another_apprenticeship_is_not_the_last_scan(as_apprentice, devops, earlier):
    make_scan(devops, status="submitted", scores=every_ksb_at(devops, 1), submitted_at=earlier)
    SkillScan.objects.update(status="validated")
    draft = make_scan(devops, stage="review", scores=every_ksb_at(devops, 1))
    other = ApprenticeshipFactory(standard=devops.standard, organisation=devops.organisation)
    make_scan(other, status="validated", scores=every_ksb_at(devops, 4))
    html = as_apprentice.get(submit_url(draft)).content.decode()
    assert "<strong>0</strong> changed since your initial scan" in html


@pytest.fixture(params=["st0825", "big"])
def sized(request, acme, apprentice, mentor):
    """An apprenticeship on ST0825 (51 KSBs) or on a standard of 120 KSBs and 30 duties."""
    if request.param == "st0825":
        standard = request.getfixturevalue("st0825")
    else:
        standard = make_standard(knowledge=60, skills=45, behaviours=15, duties=30)
    return ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )


# With the bell's unread count since issue 15.
@pytest.mark.parametrize(("with_previous", "queries"), [(False, 8), (True, 9)])
def test_check_page_queries_are_constant(
    client, sized, apprentice, earlier, with_previous, queries, django_assert_num_queries
):
    if with_previous:
        make_scan(sized, status="validated", created_at=earlier, submitted_at=earlier)
    draft = make_scan(sized, stage="review" if with_previous else "initial")
    client.force_login(apprentice)
    with django_assert_num_queries(queries):
        response = client.get(submit_url(draft))
    assert response.status_code == 200


# --- the outcome of validation ----------------------------------------------------------------


@pytest.fixture
def validated(devops, mentor):
    scan = make_scan(
        devops,
        status="validated",
        scores=every_ksb_at(devops, 2, K1=0),
        employer={"K1": 3, "S2": 1, "B1": 2},  # B1: the same score as the apprentice's
        validated_by=mentor,
        validated_at=timezone.now(),
    )
    scan.ratings.filter(ksb__kind="K", ksb__number=1).update(
        employer_comment="You set up the <pipeline> already."
    )
    return scan


def differences(html):
    start = html.index('id="differences-heading"')
    return html[start : html.index("</section>", start)]


def test_the_apprentice_sees_where_the_employer_scored_differently_and_why(
    as_apprentice, validated
):
    html = as_apprentice.get(validated.get_absolute_url()).content.decode()
    section = differences(html)
    assert "Where your employer scored you differently (2)" in section
    rows = re.findall(r'<li class="check-item[^"]*" id="differs-(\w+)">(.*?)</li>', section, re.S)
    assert [code for code, _ in rows] == ["K1", "S2"]
    (_, k1), (_, s2) = rows
    assert "<dt>Your score</dt><dd>0 Not yet</dd>" in k1
    assert "<dt>Employer's score</dt><dd><strong>3 Competent</strong>" in k1
    assert "higher" in k1 and "a disagreement" in k1
    assert "You set up the &lt;pipeline&gt; already." in k1
    assert "<dd>2 Developing</dd>" in s2 and "<strong>1 Aware</strong>" in s2
    assert "lower" in s2 and "disagreement" not in s2 and "Seen it differently" in s2


def test_employers_see_the_same_outcome_in_their_words(as_mentor, validated):
    section = differences(as_mentor.get(validated.get_absolute_url()).content.decode())
    assert "Where the employer scored differently (2)" in section
    assert "<dt>Apprentice's score</dt>" in section


def test_an_employer_who_agreed_with_everything_says_so(as_apprentice, devops):
    scan = make_scan(devops, status="validated", scores=every_ksb_at(devops, 1), employer={"K1": 1})
    section = differences(as_apprentice.get(scan.get_absolute_url()).content.decode())
    assert "(0)" in section and "Your employer agreed with every one of your scores." in section


def test_no_outcome_before_validation(as_apprentice, devops):
    scan = make_scan(devops, status="submitted", employer={"K1": 4})
    assert "differences-heading" not in as_apprentice.get(scan.get_absolute_url()).content.decode()


def test_results_page_with_the_outcome_keeps_its_query_budget(
    client, sized, apprentice, earlier, django_assert_num_queries
):
    make_scan(sized, status="validated", created_at=earlier, submitted_at=earlier)
    codes = [k.code for k in sized.standard.ksbs.all()]
    scan = make_scan(
        sized, stage="review", status="validated", employer=dict.fromkeys(codes[::3], 4)
    )
    client.force_login(apprentice)
    # +1 since issue 13: the KSBs' wording history; +1 since issue 15: the bell's count.
    with django_assert_num_queries(13):
        response = client.get(scan.get_absolute_url())
    assert "Where your employer scored you differently" in response.content.decode()
