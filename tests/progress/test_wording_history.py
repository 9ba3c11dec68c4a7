"""Issue 13: a wording correction made in the admin leaves every record of the demo showing the
words it was made against: validated scans, accepted evidence, signed reviews, portfolios; a
scan started afterwards shows the new words."""

from html import escape
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Apprenticeship, User
from skillscan.models import SkillScan
from standards.models import KSB
from tests.standards.test_page_cache import change_form_data
from tracker.models import EvidenceKSB, KSBDecision, ProgressReview

pytestmark = pytest.mark.django_db

NEW = "Continuous integration and delivery, in words corrected after the records were made."
NOTE = "wording since changed"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    return User.objects.get(email="admin@example.com")


@pytest.fixture
def reworded(client, demo):
    """K3 of ST0825 1.0 reworded through the KSB's admin change form, as an admin would."""
    k3 = KSB.objects.get(standard__reference="ST0825", standard__version="1.0", kind="K", number=3)
    old = k3.description
    client.force_login(demo)
    url = reverse("admin:standards_ksb_change", args=[k3.pk])
    data = change_form_data(client.get(url))
    data["description"] = NEW
    assert client.post(url, data).status_code == 302
    k3.refresh_from_db()
    assert k3.description == NEW
    return k3, old


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_every_record_of_the_demo_keeps_the_old_words_of_k3(client, reworded):
    k3, old = reworded
    old_html = escape(old, quote=False)
    seen = {"scan": 0, "evidence": 0, "review": 0, "portfolio": 0}

    for scan in SkillScan.objects.filter(status=SkillScan.Status.VALIDATED):
        html = page(client, scan.get_absolute_url())
        assert old_html in html and NOTE in html, scan
        assert escape(NEW, quote=False) in html  # under "Current wording"
        seen["scan"] += 1

    links = EvidenceKSB.objects.filter(ksb=k3, accepted=True, evidence__status="accepted")
    for link in links.select_related("evidence"):
        html = page(client, link.evidence.get_absolute_url())
        assert old_html in html and NOTE in html, link.evidence
        seen["evidence"] += 1

    k3_accepted = KSBDecision.objects.filter(ksb=k3, accepted=True)
    for review in ProgressReview.objects.filter(employer_signed_at__isnull=False):
        html = page(client, reverse("tracker:progress-review-detail", args=[review.pk]))
        assert "Evidence accepted this review period" in html
        if f'id="accepted-{k3.code}"' in html:
            assert old_html in html and NOTE in html, review
            seen["review"] += 1
        elif k3_accepted.filter(feedback__created_at__date__lte=review.held_on).exists():
            # accepted before the previous review: not this period's
            assert review.apprenticeship.reviews.filter(held_on__lt=review.held_on).exists()

    for apprenticeship in Apprenticeship.objects.filter(evidence__ksb_links__in=links).distinct():
        html = page(client, reverse("progress:portfolio", args=[apprenticeship.pk]))
        assert f"Accepted against the wording then: “{old_html}”" in html, apprenticeship
        assert NOTE in html
        seen["portfolio"] += 1

    assert all(seen.values()), seen  # the demo has each kind of record showing K3


def test_a_scan_started_after_the_correction_shows_the_new_words(client, reworded):
    _, old = reworded
    apprentice = User.objects.get(email="apprentice@example.com")
    apprenticeship = apprentice.apprenticeships.get()
    SkillScan.objects.filter(apprenticeship=apprenticeship, status="draft").delete()
    scan = SkillScan.objects.create(apprenticeship=apprenticeship, stage="final")
    client.force_login(apprentice)
    html = page(client, reverse("skillscan:scan-rate", kwargs={"pk": scan.pk, "section": "k"}))
    assert escape(NEW, quote=False) in html
    assert escape(old, quote=False) not in html
    assert NOTE not in html
