"""Issue 13 on the records' pages: accepted evidence and a signed review show the KSB words as
they were when accepted or signed; KSBs of an older version are named "from version 1.0" on
evidence detail, the evidence list, the portfolio and scan results."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from standards.models import KSB
from tests.factories import (
    ApprenticeshipFactory,
    EvidenceFactory,
    ProgressReviewFactory,
    make_scan,
    make_standard,
)
from tracker.models import EvidenceFeedback

pytestmark = pytest.mark.django_db

NOTE = "wording since changed"


def accepted(apprenticeship, ksbs, when):
    evidence = EvidenceFactory(apprenticeship=apprenticeship, status="accepted", ksbs=ksbs)
    feedback = EvidenceFeedback.objects.create(evidence=evidence, decision="accepted")
    EvidenceFeedback.objects.filter(pk=feedback.pk).update(created_at=when)
    return evidence


def reword(ksb, text):
    ksb.description = text
    ksb.save()


@pytest.fixture
def k1(apprenticeship):
    ksb = apprenticeship.standard.ksbs.get(kind="K", number=1)
    reword(ksb, "Old words.")
    # Worded so long ago that every record of the tests was made against these words.
    KSB.history.filter(id=ksb.pk).update(history_date=timezone.now() - timedelta(days=365))
    return ksb


def test_accepted_evidence_shows_the_words_it_was_accepted_against(client, apprentice, k1):
    evidence = accepted(k1.standard.apprenticeships.get(), [k1], timezone.now())
    reword(k1, "New words.")
    client.force_login(apprentice)
    html = client.get(evidence.get_absolute_url()).content.decode()
    assert "Old words." in html and NOTE in html
    assert '<summary>Current wording</summary><p class="small mb-0">New words.</p>' in html


def test_evidence_not_yet_decided_shows_todays_words(client, apprentice, apprenticeship, k1):
    evidence = EvidenceFactory(apprenticeship=apprenticeship, status="submitted", ksbs=[k1])
    reword(k1, "New words.")
    client.force_login(apprentice)
    html = client.get(evidence.get_absolute_url()).content.decode()
    assert "New words." in html and "Old words." not in html and NOTE not in html


def test_a_signed_review_lists_this_periods_ksbs_in_the_words_at_its_signature(
    client, apprentice, apprenticeship, k1
):
    today = date.today()
    k2 = apprenticeship.standard.ksbs.get(kind="K", number=2)
    ProgressReviewFactory(apprenticeship=apprenticeship, held_on=today - timedelta(days=60))
    accepted(apprenticeship, [k2], timezone.now() - timedelta(days=70))  # the previous period
    accepted(apprenticeship, [k1], timezone.now() - timedelta(days=20))
    review = ProgressReviewFactory(
        apprenticeship=apprenticeship,
        held_on=today - timedelta(days=5),
        employer_signed_at=timezone.now() - timedelta(days=5),
    )
    reword(k1, "New words.")
    client.force_login(apprentice)
    url = reverse("tracker:progress-review-detail", args=[review.pk])
    html = client.get(url).content.decode()
    assert "Evidence accepted this review period (1 KSB)" in html
    assert 'id="accepted-K1"' in html and 'id="accepted-K2"' not in html
    assert "Old words." in html and NOTE in html


def test_the_review_page_queries_do_not_grow(
    client, apprentice, apprenticeship, django_assert_max_num_queries
):
    ksbs = list(apprenticeship.standard.ksbs.all())
    review = ProgressReviewFactory(apprenticeship=apprenticeship, held_on=date.today())
    url = reverse("tracker:progress-review-detail", args=[review.pk])
    client.force_login(apprentice)
    client.get(url)
    for n in range(12):
        accepted(apprenticeship, ksbs[n % len(ksbs) :][:2], timezone.now() - timedelta(days=1))
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.fixture
def moved(apprentice, acme, mentor):
    """An apprenticeship on ST9999 1.1 whose evidence and scan still point at K9 of 1.0."""
    old = make_standard(reference="ST9999", version="1.0", knowledge=9, skills=1, behaviours=1)
    new = make_standard(reference="ST9999", version="1.1", knowledge=2, skills=1, behaviours=1)
    apprenticeship = ApprenticeshipFactory(
        apprentice=apprentice, standard=new, organisation=acme, mentor=mentor
    )
    k9 = KSB.objects.get(standard=old, kind="K", number=9)
    evidence = accepted(apprenticeship, [k9], timezone.now())
    return apprenticeship, k9, evidence


def test_evidence_for_a_ksb_of_an_older_version_says_so(client, apprentice, moved):
    apprenticeship, k9, evidence = moved
    client.force_login(apprentice)
    html = client.get(evidence.get_absolute_url()).content.decode()
    assert "from version 1.0" in html
    listing = client.get(reverse("tracker:evidence-list", args=[apprenticeship.pk]))
    assert "K9 <span" in listing.content.decode()
    assert "(from version 1.0)" in listing.content.decode()
    portfolio = client.get(reverse("progress:portfolio", args=[apprenticeship.pk]))
    text = portfolio.content.decode()
    assert "Evidence for KSBs of earlier versions" in text
    assert k9.description in text and "from version 1.0" in text


def test_a_scan_rating_a_ksb_of_an_older_version_says_so(client, mentor, moved):
    apprenticeship, k9, _ = moved
    scan = make_scan(apprenticeship, status="validated")
    scan.ratings.create(ksb=k9, score=3)
    client.force_login(mentor)
    html = client.get(scan.get_absolute_url()).content.decode()
    assert 'id="row-K9-v1.0"' in html and "from version 1.0" in html


def test_the_current_versions_ksbs_carry_no_version_note(client, apprentice, apprenticeship):
    evidence = accepted(apprenticeship, list(apprenticeship.standard.ksbs.all()), timezone.now())
    client.force_login(apprentice)
    assert "from version" not in client.get(evidence.get_absolute_url()).content.decode()
