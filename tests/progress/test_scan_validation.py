"""Validating a scan with its context (issue 12, item 9): beside each KSB the score agreed in
the previous validated scan and the change since, the evidence accepted for it, and the KSBs in
the scan's sections with how many are reviewed."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from skillscan.models import RatingChange
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    make_scan,
    make_standard,
)
from tracker.models import Evidence
from tracker.selectors import accepted_evidence_by_ksb

pytestmark = pytest.mark.django_db
EARLIER = timezone.now() - timedelta(days=120)


@pytest.fixture
def devops(st0825, acme, apprentice, mentor):
    return ApprenticeshipFactory(
        apprentice=apprentice, standard=st0825, organisation=acme, mentor=mentor
    )


@pytest.fixture
def as_mentor(client, mentor):
    client.force_login(mentor)
    return client


def validate_url(scan):
    return reverse("progress:scan-validate", kwargs={"pk": scan.pk})


def ksb(apprenticeship, code):
    return apprenticeship.standard.ksbs.get(kind=code[0], number=int(code[1:]))


def row_of(response, code):
    for section in response.context["sections"]:
        for row in section.rows:
            if row.ksb.code == code:
                return row
    raise AssertionError(f"{code} is not on the page")


def review_data(scan, overrides=None, action="validate"):
    data = {"action": action}
    for rating in scan.ratings.select_related("ksb"):
        score, comment = (overrides or {}).get(rating.ksb.code, ("", ""))
        data[f"employer_score_{rating.ksb_id}"] = str(score)
        data[f"employer_comment_{rating.ksb_id}"] = comment
    return data


def accepted_for(apprenticeship, ksbs, not_for=(), **fields):
    """Evidence the employer accepted for ``ksbs`` (and not for ``not_for``, also claimed)."""
    evidence = EvidenceFactory(
        apprenticeship=apprenticeship, status="accepted", ksbs=[*ksbs, *not_for], **fields
    )
    links = Evidence.ksbs.through.objects.filter(evidence=evidence)
    links.filter(ksb__in=ksbs).update(accepted=True)
    links.exclude(ksb__in=ksbs).update(accepted=False)
    return evidence


def scores(apprenticeship, **codes):
    all_twos = {k.code: 2 for k in apprenticeship.standard.ksbs.all()}
    return {**all_twos, **codes}


@pytest.fixture
def review_scan(devops):
    """A validated initial scan (K1 agreed 2 by the employer over the apprentice's 1, K2 3, S1
    2) and the review scan now submitted (K1 3, K2 1, S1 2)."""
    make_scan(
        devops,
        status="validated",
        scores=scores(devops, K1=1, K2=3),
        employer={"K1": 2},
        created_at=EARLIER,
        submitted_at=EARLIER,
        validated_at=EARLIER,
    )
    return make_scan(devops, stage="review", status="submitted", scores=scores(devops, K1=3, K2=1))


def test_the_old_url_name_is_gone_and_the_path_is_unchanged(review_scan):
    with pytest.raises(NoReverseMatch):
        reverse("skillscan:scan-validate", kwargs={"pk": review_scan.pk})
    assert validate_url(review_scan) == f"/scans/{review_scan.pk}/validate/"


def test_each_ksb_shows_the_score_agreed_last_time_and_the_change(as_mentor, review_scan):
    response = as_mentor.get(validate_url(review_scan))
    k1, k2, s1 = (row_of(response, code) for code in ("K1", "K2", "S1"))
    assert (k1.previous, k1.change, k1.change_text) == (2, 1, "up 1")  # the employer's 2, not 1
    assert (k2.previous, k2.change, k2.change_text) == (3, -2, "down 2")
    assert (s1.previous, s1.change, s1.change_text) == (2, 0, "no change")
    html = response.content.decode()
    assert "Agreed last time" in html
    assert '2 Developing; now 3: <span class="score-change">up 1</span>' in html
    assert '3 Competent; now 1: <span class="score-change">down 2</span>' in html
    assert response.context["previous"].stage == "initial"
    assert "first scan" not in html


def test_without_a_previous_validated_scan_the_page_says_it_is_the_first(as_mentor, devops):
    # An earlier scan that was submitted but never validated agreed nothing.
    make_scan(devops, status="submitted", created_at=EARLIER, submitted_at=EARLIER)
    scan = make_scan(devops, stage="review", status="submitted")
    response = as_mentor.get(validate_url(scan))
    assert response.context["previous"] is None
    assert row_of(response, "K1").previous is None
    html = response.content.decode()
    assert "This is the first scan of this apprenticeship to be validated" in html
    assert "none: this is the first scan" in html


def test_a_later_validated_scan_is_not_the_previous_one(as_mentor, devops):
    scan = make_scan(devops, status="submitted", submitted_at=EARLIER)
    make_scan(devops, stage="review", status="validated", scores=scores(devops, K1=4))
    assert as_mentor.get(validate_url(scan)).context["previous"] is None


def test_accepted_evidence_for_the_ksb_is_counted_and_linked(
    as_mentor, review_scan, devops, other_apprentice
):
    k1, k2, k3 = ksb(devops, "K1"), ksb(devops, "K2"), ksb(devops, "K3")
    older = accepted_for(devops, [k1, k2], not_for=[k3], title="Blue-green deploy")
    newer = accepted_for(
        devops,
        [k1],
        title="Pipeline <b>rebuild</b>",
        occurred_on=older.occurred_on + timedelta(days=3),
    )
    for status in ("draft", "submitted", "changes_requested"):
        EvidenceFactory(apprenticeship=devops, status=status, title=f"Not {status}", ksbs=[k1])
    theirs = ApprenticeshipFactory(
        apprentice=other_apprentice, standard=devops.standard, organisation=devops.organisation
    )
    accepted_for(theirs, [k1], title="Someone else's")

    response = as_mentor.get(validate_url(review_scan))
    assert [item.pk for item, _ in row_of(response, "K1").evidence] == [newer.pk, older.pk]
    assert [item.pk for item, _ in row_of(response, "K2").evidence] == [older.pk]
    assert row_of(response, "K3").evidence == []  # claimed, but not accepted for K3
    html = response.content.decode()
    assert f'href="{newer.get_absolute_url()}">Pipeline &lt;b&gt;rebuild&lt;/b&gt;</a>' in html
    assert f'href="{older.get_absolute_url()}">Blue-green deploy</a>' in html
    assert "<dt>Accepted evidence</dt>\n          <dd>2" in html
    assert "Not draft" not in html and "Not submitted" not in html
    assert "Not changes_requested" not in html and "Someone else" not in html
    assert "none yet" in html


def test_ksbs_are_in_the_scans_sections_with_how_many_are_reviewed(as_mentor, review_scan, devops):
    response = as_mentor.get(validate_url(review_scan))
    sections = response.context["sections"]
    assert [(s.label, s.total, s.reviewed) for s in sections] == [
        ("Knowledge", 25, 0),
        ("Skills", 22, 0),
        ("Behaviours", 4, 0),
    ]
    assert all(row.ksb.kind == "K" for row in sections[0].rows)
    as_mentor.post(
        validate_url(review_scan),
        review_data(review_scan, {"K1": (3, ""), "S1": ("", "Seen in the sprint demo")}, "save"),
    )
    response = as_mentor.get(validate_url(review_scan))
    html = response.content.decode()
    assert [s.reviewed for s in response.context["sections"]] == [1, 1, 0]
    assert '<a href="#section-k">Knowledge</a>: 1 of 25 reviewed' in html
    assert '<a href="#section-s">Skills</a>: 1 of 22 reviewed' in html
    assert '<a href="#section-b">Behaviours</a>: 0 of 4 reviewed' in html
    assert 'id="section-k-heading">Knowledge <span class="section-count">1 of 25 reviewed' in html
    assert "2 of 51 KSBs reviewed" in html
    assert '<progress id="validation-progress" max="51" value="2"' in html


def test_a_disagreement_still_needs_a_comment_and_the_entered_data_stays(as_mentor, review_scan):
    data = review_data(review_scan, {"K1": (0, ""), "K2": (2, "Typed but not saved")})
    response = as_mentor.post(validate_url(review_scan), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "explain why before validating" in html and 'role="alert"' in html
    k1 = row_of(response, "K1")
    assert str(k1.score_field.value()) == "0"
    assert '<option value="0" selected>' in html
    assert "Typed but not saved</textarea>" in html
    assert "2 of 51 KSBs reviewed" in html  # as the page now shows it, not yet saved
    review_scan.refresh_from_db()
    assert review_scan.status == "submitted"
    assert not RatingChange.objects.exists()


def test_save_without_validating_then_validate(as_mentor, review_scan, mentor):
    response = as_mentor.post(
        validate_url(review_scan), review_data(review_scan, {"K1": (1, "")}, "save")
    )
    assert response.url == validate_url(review_scan)
    review_scan.refresh_from_db()
    assert review_scan.status == "submitted"
    data = review_data(review_scan, {"K1": (1, "Needs more practice")})
    response = as_mentor.post(validate_url(review_scan), data)
    assert response.url == review_scan.get_absolute_url()
    review_scan.refresh_from_db()
    assert (review_scan.status, review_scan.validated_by) == ("validated", mentor)


def test_a_comment_too_long_is_refused_and_kept(as_mentor, review_scan):
    text = "x" * 2001
    response = as_mentor.post(
        validate_url(review_scan), review_data(review_scan, {"K1": ("", text)})
    )
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    assert row_of(response, "K1").comment_field.value() == text
    review_scan.refresh_from_db()
    assert review_scan.status == "submitted"


def test_who_may_validate(client, review_scan, apprentice, other_manager, other_apprentice):
    url = validate_url(review_scan)
    assert client.get(url).status_code == 302  # to log in
    client.force_login(apprentice)
    assert client.get(url).status_code == 403
    assert client.post(url, review_data(review_scan)).status_code == 403
    for outsider in (other_manager, other_apprentice):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, review_data(review_scan)).status_code == 404
    review_scan.refresh_from_db()
    assert review_scan.status == "submitted"


def test_accepted_evidence_by_ksb_reads_one_query(devops, django_assert_num_queries):
    k1 = ksb(devops, "K1")
    accepted = accepted_for(devops, [k1])
    EvidenceFactory(apprenticeship=devops, status="submitted", ksbs=[k1])
    with django_assert_num_queries(1):
        found = accepted_evidence_by_ksb(devops)
    assert found == {
        k1.pk: [
            type(found[k1.pk][0])(accepted.pk, accepted.title, accepted.occurred_on),
        ]
    }


# --- queries: the same at two sizes of standard and of evidence --------------------------------


@pytest.fixture(params=["small", "large"])
def sized(request, acme, apprentice, mentor):
    """ST0825 with one piece of accepted evidence, or a standard of 120 KSBs with ten, each
    on several KSBs."""
    if request.param == "small":
        standard, pieces = request.getfixturevalue("st0825"), 1
    else:
        standard, pieces = make_standard(knowledge=60, skills=45, behaviours=15, duties=30), 10
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=standard, organisation=acme, mentor=mentor
    )
    ksbs = list(standard.ksbs.all())
    for n in range(pieces):
        accepted_for(apprenticeship, ksbs[n : n + 5])
    return apprenticeship


@pytest.mark.parametrize("with_previous", [False, True])
def test_validation_page_queries_are_constant(
    client, sized, mentor, with_previous, django_assert_num_queries
):
    if with_previous:
        make_scan(
            sized,
            status="validated",
            created_at=EARLIER,
            submitted_at=EARLIER,
            validated_at=EARLIER,
        )
    scan = make_scan(sized, stage="review" if with_previous else "initial", status="submitted")
    client.force_login(mentor)
    # 8 for the scan, its ratings and the layout; the previous scan (and its ratings when there
    # is one) and the accepted evidence; since issue 13 the KSBs' wording history; since issue
    # 15 the bell's unread count.
    with django_assert_num_queries(13 if with_previous else 12):
        response = client.get(validate_url(scan))
    assert response.status_code == 200
