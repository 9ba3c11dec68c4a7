import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from skillscan.models import RatingChange, SkillScan
from tests.factories import ApprenticeshipFactory, make_scan, make_standard

pytestmark = pytest.mark.django_db


def validate_url(scan):
    return reverse("progress:scan-validate", kwargs={"pk": scan.pk})


def review_data(scan, overrides=None, action="validate"):
    """Post data for the validation form: no employer score except ``overrides`` {code: (score,
    comment)}."""
    data = {"action": action}
    overrides = overrides or {}
    for rating in scan.ratings.select_related("ksb"):
        score, comment = overrides.get(rating.ksb.code, ("", ""))
        data[f"employer_score_{rating.ksb_id}"] = str(score)
        data[f"employer_comment_{rating.ksb_id}"] = comment
    return data


@pytest.fixture
def submitted(devops):
    scores = {ksb.code: 2 for ksb in devops.standard.ksbs.all()}
    scores.update({"K1": 0, "K2": 1, "S1": 4, "B1": 3})
    return make_scan(devops, status="submitted", scores=scores)


def test_mentor_sees_each_ksb_with_the_apprentices_score_and_comment(as_mentor, submitted):
    html = as_mentor.get(validate_url(submitted)).content.decode()
    assert html.count('<fieldset class="ksb-rating') == 51
    assert "Apprentice: 0 Not yet" in html
    assert "Your score for K1" in html and "Your comment on K1" in html


def test_a_disagreement_needs_a_comment_before_validation(as_mentor, submitted):
    response = as_mentor.post(validate_url(submitted), review_data(submitted, {"K1": (3, "")}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "explain why before validating" in html and 'role="alert"' in html
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert submitted.ratings.get(ksb__number=1, ksb__kind="K").employer_score is None
    assert not RatingChange.objects.exists()


def test_validation_records_who_when_and_every_change(as_mentor, submitted, mentor):
    data = review_data(submitted, {"K1": (3, "Does this daily"), "K2": (2, "")})
    response = as_mentor.post(validate_url(submitted), data)
    assert response.url == submitted.get_absolute_url()
    submitted.refresh_from_db()
    assert submitted.status == "validated"
    assert submitted.validated_by == mentor and submitted.validated_at
    k1 = submitted.ratings.get(ksb__kind="K", ksb__number=1)
    assert (k1.employer_score, k1.employer_comment, k1.agreed_score) == (3, "Does this daily", 3)
    changes = {
        (c.rating.ksb.code, c.field, c.old_value, c.new_value, c.changed_by_id)
        for c in RatingChange.objects.select_related("rating__ksb")
    }
    assert changes == {
        ("K1", "employer_score", "", "3", mentor.pk),
        ("K1", "employer_comment", "", "Does this daily", mentor.pk),
        ("K2", "employer_score", "", "2", mentor.pk),
    }


def test_save_without_validating_keeps_it_open_and_records_history(as_mentor, submitted):
    as_mentor.post(validate_url(submitted), review_data(submitted, {"K1": (3, "")}, "save"))
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert RatingChange.objects.count() == 1
    html = as_mentor.get(validate_url(submitted)).content.decode()
    assert "K1</a>: apprentice 0, you 3 (comment needed)" in html


def test_a_validated_scan_is_locked_for_everyone(as_mentor, submitted, client, apprentice):
    as_mentor.post(validate_url(submitted), review_data(submitted))
    response = as_mentor.post(validate_url(submitted), review_data(submitted, {"K1": (4, "x")}))
    assert response.status_code == 302
    assert submitted.ratings.get(ksb__kind="K", ksb__number=1).employer_score is None
    client.force_login(apprentice)
    rate = reverse("skillscan:scan-rate", kwargs={"pk": submitted.pk, "section": "k"})
    assert client.post(rate, {}).status_code == 302


def test_the_apprentice_cannot_validate_and_outsiders_get_404(
    client, submitted, apprentice, other_manager
):
    client.force_login(apprentice)
    assert client.post(validate_url(submitted), review_data(submitted)).status_code == 403
    client.force_login(other_manager)
    assert client.post(validate_url(submitted), review_data(submitted)).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_draft_cannot_be_validated(as_mentor, devops):
    draft = make_scan(devops, scores={})
    response = as_mentor.get(validate_url(draft), follow=True)
    assert "has not been submitted yet" in response.content.decode()


def test_tampered_or_out_of_range_employer_scores_are_refused(as_mentor, submitted):
    data = review_data(submitted)
    k1 = submitted.ratings.get(ksb__kind="K", ksb__number=1)
    data[f"employer_score_{k1.ksb_id}"] = "9"
    data["employer_score_999999"] = "3"
    response = as_mentor.post(validate_url(submitted), data)
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_validation_queue_lists_submitted_scans_oldest_first(
    as_mentor, submitted, devops, other_apprentice, manager, client
):
    html = as_mentor.get(reverse("skillscan:validation-queue")).content.decode()
    assert "Alex Apprentice" in html and validate_url(submitted) in html
    other_apprenticeship = ApprenticeshipFactory(
        apprentice=other_apprentice, standard=devops.standard, organisation=devops.organisation
    )
    other = make_scan(
        other_apprenticeship, status="submitted", submitted_at=timezone.now() - timedelta(days=3)
    )
    client.force_login(manager)
    scans = list(client.get(reverse("skillscan:validation-queue")).context["scans"])
    assert scans == [other, submitted]


# --- results ----------------------------------------------------------------------------------


def results(client, scan):
    return client.get(scan.get_absolute_url())


def test_results_show_ksbs_kinds_duties_gaps_and_disagreements(as_mentor, submitted):
    as_mentor.post(validate_url(submitted), review_data(submitted, {"K1": (3, "Does this daily")}))
    response = results(as_mentor, submitted)
    r = response.context["results"]
    kinds = {kind: value for kind, _, value in r.kinds}
    # K: 24 KSBs at 2 except K1 agreed 3 and K2 at 1 -> (23*2 + 3 + 1 - 2) / 25... computed:
    assert str(kinds["K"]) == "2.0"
    assert str(kinds["S"]) == "2.1"  # (21*2 + 4) / 22 = 2.09
    assert str(kinds["B"]) == "2.3"  # (3 + 2 + 2 + 2) / 4 = 2.25
    assert [k.code for k in r.gaps] == ["K2"]
    assert [d.ksb.code for d in r.disagreements] == ["K1"]
    html = response.content.decode()
    assert "Disagreements (1)" in html and "Does this daily" in html
    assert "<svg" in html and "Mean agreed score per duty" in html
    assert "Duty 13" in html


def test_prior_learning_estimate_on_a_validated_initial_scan(as_mentor, submitted):
    as_mentor.post(validate_url(submitted), review_data(submitted))
    html = results(as_mentor, submitted).content.decode()
    # S1 at 4 and B1 at 3: 2 of 51 KSBs competent or better.
    assert "Prior learning: an estimate to agree" in html
    assert "2 ÷ 51 = <strong>3.9%</strong>" in html
    assert "nothing is applied automatically" in html
    assert "at least 2.0%" in html


def test_no_prior_learning_estimate_before_validation(as_mentor, submitted):
    assert "Prior learning" not in results(as_mentor, submitted).content.decode()


def test_distance_travelled_since_the_previous_scan(as_apprentice, devops):
    earlier = timezone.now() - timedelta(days=120)
    make_scan(
        devops,
        status="validated",
        scores={k.code: 1 for k in devops.standard.ksbs.all()},
        created_at=earlier,
        submitted_at=earlier,
    )
    scores = {k.code: 1 for k in devops.standard.ksbs.all()}
    scores.update({"K7": 4, "S17": 3, "B4": 0})
    review = make_scan(devops, stage="review", status="submitted", scores=scores)
    r = results(as_apprentice, review).context["results"]
    assert [(c.item.code, c.change) for c in r.ksb_changes[:3]] == [
        ("K7", 3),
        ("S17", 2),
        ("K1", 0),
    ]
    assert r.ksb_changes[-1].item.code == "B4" and r.ksb_changes[-1].change == -1
    assert r.duty_changes[0].change >= r.duty_changes[-1].change
    html = results(as_apprentice, review).content.decode()
    assert "Distance travelled" in html and "+3" in html


def test_csv_has_a_row_per_ksb(as_mentor, submitted):
    rating = submitted.ratings.get(ksb__kind="K", ksb__number=3)
    rating.comment = '=HYPERLINK("http://evil")'
    rating.save()
    response = as_mentor.get(reverse("skillscan:scan-csv", kwargs={"pk": submitted.pk}))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["code", "kind", "ksb", "duties", "apprentice score"]
    assert len(rows) == 52
    k1 = rows[1]
    assert k1[0] == "K1" and k1[1] == "Knowledge" and k1[3] == "5 6 7 8 12" and k1[4] == "0"
    assert rows[3][5].startswith("'=HYPERLINK")


def test_history_shows_a_line_per_duty_over_time(as_apprentice, devops):
    earlier = timezone.now() - timedelta(days=90)
    make_scan(
        devops,
        status="validated",
        scores={k.code: 1 for k in devops.standard.ksbs.all()},
        created_at=earlier,
        submitted_at=earlier,
    )
    make_scan(
        devops,
        stage="review",
        status="submitted",
        scores={k.code: 3 for k in devops.standard.ksbs.all()},
    )
    response = as_apprentice.get(reverse("skillscan:scan-history", kwargs={"pk": devops.pk}))
    table = response.context["table"]
    assert len(table) == 13
    assert [str(v) for v in table[0][1]] == ["1.0", "3.0"]
    html = response.content.decode()
    assert html.count("<polyline") == 13
    assert "Mean agreed score per duty in each submitted scan" in html


def test_history_without_scans_says_so(as_apprentice, devops):
    html = as_apprentice.get(reverse("skillscan:scan-history", kwargs={"pk": devops.pk}))
    assert "No scan has been submitted yet" in html.content.decode()


# --- query counts --------------------------------------------------------------------------------


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


def test_scan_page_queries_are_constant(client, sized, apprentice, django_assert_num_queries):
    scan = make_scan(sized, scores={})
    client.force_login(apprentice)
    with django_assert_num_queries(9):  # 8 before the bell's unread count (issue 15)
        client.get(reverse("skillscan:scan-rate", kwargs={"pk": scan.pk, "section": "k"}))


def test_results_page_queries_are_constant(client, sized, mentor, django_assert_num_queries):
    earlier = timezone.now() - timedelta(days=90)
    make_scan(sized, status="validated", created_at=earlier, submitted_at=earlier)
    scan = make_scan(sized, stage="review", status="submitted")
    client.force_login(mentor)
    # +1 since issue 13: the KSBs' wording history; +1 since issue 15: the bell's count.
    with django_assert_num_queries(13):
        client.get(scan.get_absolute_url())


def test_validation_page_queries_are_constant(client, sized, mentor, django_assert_num_queries):
    scan = make_scan(sized, status="submitted")
    client.force_login(mentor)
    # The previous scan and the evidence (progress's tests); since issue 13 the wording history;
    # since issue 15 the bell's unread count.
    with django_assert_num_queries(12):
        client.get(validate_url(scan))


def test_home_page_queries_are_constant(client, sized, apprentice, django_assert_num_queries):
    make_scan(sized, status="validated")
    make_scan(sized, stage="review", status="draft", scores={})
    client.force_login(apprentice)
    with django_assert_num_queries(14):  # at most 15, as every tracker page (the bell's too)
        client.get(sized.get_absolute_url())


def test_scan_states_on_the_home_page(client, devops, apprentice, mentor):
    scan = make_scan(devops, status="submitted")
    client.force_login(apprentice)
    html = client.get(devops.get_absolute_url()).content.decode()
    assert "Awaiting validation" in html and "waiting for your mentor" in html
    client.force_login(mentor)
    html = client.get(devops.get_absolute_url()).content.decode()
    assert validate_url(scan) in html
    SkillScan.objects.filter(pk=scan.pk).update(status="validated")
    client.force_login(apprentice)
    html = client.get(devops.get_absolute_url()).content.decode()
    assert "Start your review skills scan" in html and "Start your final skills scan" in html
