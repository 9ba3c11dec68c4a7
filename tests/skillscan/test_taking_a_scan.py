import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from skillscan.models import Rating, SkillScan
from skillscan.services import ScanError, ratings_save, scan_start
from tests.factories import KSBFactory, SkillScanFactory, make_scan

pytestmark = pytest.mark.django_db


def rate_url(scan, section="k"):
    return reverse("skillscan:scan-rate", kwargs={"pk": scan.pk, "section": section})


def submit_url(scan):
    return reverse("skillscan:scan-submit", kwargs={"pk": scan.pk})


def start(client, apprenticeship, stage="initial"):
    return client.post(
        reverse("skillscan:scan-start", kwargs={"pk": apprenticeship.pk}), {"stage": stage}
    )


def section_data(scan, kind, score=2, comment=""):
    ksbs = scan.apprenticeship.standard.ksbs.filter(kind=kind)
    data = {f"score_{k.pk}": str(score) for k in ksbs}
    data.update({f"comment_{k.pk}": comment for k in ksbs})
    return data


# --- starting ---------------------------------------------------------------------------------


def test_apprentice_starts_the_initial_scan_from_their_home(as_apprentice, devops):
    home = as_apprentice.get(devops.get_absolute_url()).content.decode()
    assert "Start your first skills scan" in home  # month 7: "initial" no longer fits
    response = start(as_apprentice, devops)
    scan = SkillScan.objects.get()
    assert (scan.stage, scan.status) == ("initial", "draft")
    assert response.url == rate_url(scan, "k")


def test_only_one_draft_at_a_time(as_apprentice, devops):
    start(as_apprentice, devops)
    response = start(as_apprentice, devops, "review")
    assert SkillScan.objects.count() == 1
    assert "Finish the scan in progress first." in as_apprentice.get(response.url).content.decode()


def test_review_and_final_follow_a_validated_scan(devops, apprentice):
    initial = make_scan(devops, status="submitted")
    with pytest.raises(ScanError):
        scan_start(apprenticeship=devops, user=apprentice, stage="review")
    SkillScan.objects.filter(pk=initial.pk).update(status="validated")
    review = scan_start(apprenticeship=devops, user=apprentice, stage="review")
    SkillScan.objects.filter(pk=review.pk).update(status="validated", submitted_at=timezone.now())
    final = scan_start(apprenticeship=devops, user=apprentice, stage="final")
    SkillScan.objects.filter(pk=final.pk).update(status="validated", submitted_at=timezone.now())
    for stage in ("initial", "review", "final"):
        with pytest.raises(ScanError):
            scan_start(apprenticeship=devops, user=apprentice, stage=stage)


def test_a_second_initial_scan_is_refused_by_the_database(devops):
    make_scan(devops, status="validated")
    with pytest.raises(IntegrityError), transaction.atomic():
        SkillScanFactory(
            apprenticeship=devops, stage="initial", status="validated", submitted_at=timezone.now()
        )


def test_only_the_apprentice_starts_a_scan(client, devops, mentor, other_apprentice):
    client.force_login(mentor)
    assert start(client, devops).status_code == 403
    client.force_login(other_apprentice)
    assert start(client, devops).status_code == 404
    assert not SkillScan.objects.exists()


def test_an_unknown_stage_is_refused(as_apprentice, devops):
    start(as_apprentice, devops, "sideways")
    assert not SkillScan.objects.exists()


# --- rating -------------------------------------------------------------------------------------


@pytest.fixture
def draft(devops):
    return SkillScanFactory(apprenticeship=devops)


def test_scan_page_shows_the_section_with_fieldsets_scale_and_progress(as_apprentice, draft):
    html = as_apprentice.get(rate_url(draft)).content.decode()
    assert html.count('<fieldset class="ksb-rating') == 25
    assert "<legend>" in html and "General purpose programming and infrastructure-as-code." in html
    assert "3 Competent: does it independently and reliably" in html
    assert "Comment on K1 (optional)" in html
    assert "Duties: 5, 6, 7, 8, 12" in html  # K1's duties
    assert "0 of 51 rated" in html
    assert 'aria-current="step">1. Knowledge (25)' in html
    assert "The rating scale" in html


def test_save_keeps_answers_and_continue_moves_on(as_apprentice, draft):
    data = section_data(draft, "K", score=3, comment="Did it at work")
    response = as_apprentice.post(rate_url(draft), {**data, "action": "next"})
    assert response.url == rate_url(draft, "s")
    assert draft.ratings.count() == 25
    html = as_apprentice.get(rate_url(draft)).content.decode()
    assert "25 of 51 rated" in html
    assert html.count(' value="3" ') + html.count(' value="3" checked') >= 25
    assert len(re.findall(r'value="3" id="[^"]+" checked', html)) == 25
    assert html.count("Did it at work</textarea>") == 25


def test_a_half_done_section_saves_what_is_rated(as_apprentice, draft):
    k1, k2 = draft.apprenticeship.standard.ksbs.filter(kind="K")[:2]
    as_apprentice.post(
        rate_url(draft), {f"score_{k1.pk}": "4", f"score_{k2.pk}": "", "action": "save"}
    )
    assert list(draft.ratings.values_list("ksb_id", "score")) == [(k1.pk, 4)]


def test_last_section_continues_to_the_check_page(as_apprentice, draft):
    response = as_apprentice.post(
        rate_url(draft, "b"), {**section_data(draft, "B"), "action": "next"}
    )
    assert response.url == submit_url(draft)


def test_saving_twice_updates_and_never_duplicates(as_apprentice, draft):
    as_apprentice.post(rate_url(draft), section_data(draft, "K", score=1))
    as_apprentice.post(rate_url(draft), section_data(draft, "K", score=4))
    assert draft.ratings.count() == 25
    assert set(draft.ratings.values_list("score", flat=True)) == {4}


def test_two_tabs_saving_the_same_ksb_leave_one_rating(draft, apprentice):
    ksb = draft.apprenticeship.standard.ksbs.first()
    ratings_save(scan=draft, user=apprentice, ratings={ksb.pk: (1, "tab one")})
    ratings_save(scan=draft, user=apprentice, ratings={ksb.pk: (3, "tab two")})
    assert list(draft.ratings.values_list("score", "comment")) == [(3, "tab two")]
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(scan=draft, ksb=ksb, score=2)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("7", "Choose a score from 0 to 4."),
        ("-1", "Choose a score from 0 to 4."),
        ("two", "Choose a score from 0 to 4."),
    ],
)
def test_scores_out_of_range_are_refused_and_nothing_is_lost(as_apprentice, draft, value, message):
    data = section_data(draft, "K", score=2, comment="kept")
    k1 = draft.apprenticeship.standard.ksbs.get(kind="K", number=1)
    data[f"score_{k1.pk}"] = value
    response = as_apprentice.post(rate_url(draft), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert html.count(">kept</textarea>") == 25
    assert not draft.ratings.exists()


def test_a_ksb_of_another_standard_is_refused(as_apprentice, draft):
    foreign = KSBFactory()
    data = {**section_data(draft, "K"), f"score_{foreign.pk}": "3"}
    response = as_apprentice.post(rate_url(draft), data)
    assert response.status_code == 200
    assert "not part of this page; nothing was saved" in response.content.decode()
    assert not draft.ratings.exists()


def test_a_ksb_of_another_section_is_refused(as_apprentice, draft):
    skill = draft.apprenticeship.standard.ksbs.filter(kind="S").first()
    response = as_apprentice.post(rate_url(draft), {f"score_{skill.pk}": "3"})
    assert response.status_code == 200
    assert not draft.ratings.exists()


def test_the_service_refuses_foreign_ksbs_and_bad_scores(draft, apprentice):
    foreign = KSBFactory()
    with pytest.raises(ScanError):
        ratings_save(scan=draft, user=apprentice, ratings={foreign.pk: (3, "")})
    ksb = draft.apprenticeship.standard.ksbs.first()
    with pytest.raises(ScanError):
        ratings_save(scan=draft, user=apprentice, ratings={ksb.pk: (5, "")})
    assert not draft.ratings.exists()


def test_model_validation_refuses_a_ksb_of_another_standard(draft):
    rating = Rating(scan=draft, ksb=KSBFactory(), score=2)
    with pytest.raises(ValidationError) as exc:
        rating.full_clean()
    assert "ksb" in exc.value.message_dict


def test_database_keeps_scores_in_range(draft):
    ksb = draft.apprenticeship.standard.ksbs.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(scan=draft, ksb=ksb, score=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(scan=draft, ksb=ksb, score=2, employer_score=9)


def test_a_comment_needs_a_score(as_apprentice, draft):
    k1 = draft.apprenticeship.standard.ksbs.get(kind="K", number=1)
    response = as_apprentice.post(rate_url(draft), {f"comment_{k1.pk}": "What about this?"})
    assert "Choose a score to go with your comment." in response.content.decode()
    assert "What about this?</textarea>" in response.content.decode()


def test_an_unknown_section_is_404(as_apprentice, draft):
    assert as_apprentice.get(rate_url(draft, "x")).status_code == 404


def test_resume_where_you_stopped(as_apprentice, draft, devops):
    as_apprentice.post(rate_url(draft), section_data(draft, "K"))
    home = as_apprentice.get(devops.get_absolute_url()).content.decode()
    assert f'href="{rate_url(draft, "s")}">Continue' in home
    assert "25 of 51" in home
    assert as_apprentice.get(draft.get_absolute_url()).url == rate_url(draft, "s")


def test_employers_can_see_a_draft_but_not_rate_it(as_mentor, draft):
    assert as_mentor.get(rate_url(draft)).status_code == 403
    html = as_mentor.get(draft.get_absolute_url()).content.decode()
    assert "This scan is in progress: 0 of 51 KSBs rated so far." in html


# --- submitting -----------------------------------------------------------------------------


def test_submit_lists_the_missing_ksbs_with_links(as_apprentice, draft):
    as_apprentice.post(rate_url(draft), section_data(draft, "K"))
    html = as_apprentice.get(submit_url(draft)).content.decode()
    assert "26 KSBs still need a rating" in html
    s1 = draft.apprenticeship.standard.ksbs.get(kind="S", number=1)
    assert f'href="{rate_url(draft, "s")}#S1">S1</a>' in html
    response = as_apprentice.post(submit_url(draft), follow=True)
    assert "Some KSBs still need a rating" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft
    assert s1.pk not in draft.ratings.values_list("ksb_id", flat=True)


def rate_everything(client, scan, score=2):
    for kind in "KSB":
        client.post(rate_url(scan, kind.lower()), section_data(scan, kind, score=score))


def test_submit_locks_the_scan_and_tells_the_mentor(as_apprentice, draft, mailoutbox, settings):
    rate_everything(as_apprentice, draft)
    page = as_apprentice.get(submit_url(draft)).content.decode()
    assert "Submit for validation" in page and "cannot change it any more" in page
    response = as_apprentice.post(submit_url(draft))
    assert response.url == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.submitted_at
    (message,) = mailoutbox
    assert message.to == ["mentor@example.com"]
    assert message.subject == "Alex Apprentice submitted their initial skills scan"
    link = reverse("progress:scan-validate", kwargs={"pk": draft.pk})
    assert f"{settings.SITE_URL}{link}" in message.body


def test_without_a_mentor_the_managers_are_told(as_apprentice, draft, manager, mailoutbox):
    draft.apprenticeship.mentor = None
    draft.apprenticeship.save()
    rate_everything(as_apprentice, draft)
    as_apprentice.post(submit_url(draft))
    assert mailoutbox[0].to == ["manager@example.com"]


def test_a_submitted_scan_cannot_be_changed_or_submitted_again(as_apprentice, draft, mailoutbox):
    rate_everything(as_apprentice, draft, score=2)
    as_apprentice.post(submit_url(draft))
    response = as_apprentice.post(rate_url(draft), section_data(draft, "K", score=4), follow=True)
    assert "can no longer be changed" in response.content.decode()
    assert set(draft.ratings.values_list("score", flat=True)) == {2}
    response = as_apprentice.post(submit_url(draft), follow=True)
    assert "already been submitted" in response.content.decode()
    assert len(mailoutbox) == 1


def test_someone_elses_scan_is_404(client, draft, other_apprentice, other_manager):
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        for url in (rate_url(draft), submit_url(draft), draft.get_absolute_url()):
            assert client.get(url).status_code == 404
            assert client.post(url, section_data(draft, "K")).status_code == 404
    assert not draft.ratings.exists()
