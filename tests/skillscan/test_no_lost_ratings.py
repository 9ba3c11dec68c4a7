"""Issue 12: no rating is lost on the scan page. Each KSB saves as it is rated (a JSON post by
static/js/scan.js to the page's own URL); without JavaScript the section tabs and "Check and
submit" are submit buttons that save and move; a plain Save comes back to where it was."""

import json

import pytest
from django.urls import reverse

from skillscan.models import SkillScan
from tests.factories import ApprenticeshipFactory, KSBFactory, SkillScanFactory, make_scan

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def rate_url(scan, section="k"):
    return reverse("skillscan:scan-rate", kwargs={"pk": scan.pk, "section": section})


@pytest.fixture
def draft(devops):
    return SkillScanFactory(apprenticeship=devops)


@pytest.fixture
def ksbs(devops):
    return {ksb.code: ksb for ksb in devops.standard.ksbs.all()}


def save_json(client, scan, data, section="k"):
    return client.post(rate_url(scan, section), data, **JSON)


def saved(scan):
    return {rating.ksb.code: rating.score for rating in scan.ratings.select_related("ksb")}


# --- the JSON save of one KSB ----------------------------------------------------------------


def test_a_json_save_keeps_one_ksb_and_answers_with_the_progress(as_apprentice, draft, ksbs):
    save_json(as_apprentice, draft, {f"score_{ksbs['K2'].pk}": "1"})
    response = save_json(
        as_apprentice, draft, {f"score_{ksbs['K1'].pk}": "3", f"comment_{ksbs['K1'].pk}": "CI"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"rated": 2, "total": 51, "saved": ["K1"]}
    # Only the KSB posted changes: K2, not in the post, keeps its rating.
    assert saved(draft) == {"K1": 3, "K2": 1}
    assert draft.ratings.get(ksb=ksbs["K1"]).comment == "CI"


def test_a_json_save_leaves_no_message_for_the_next_page(as_apprentice, draft, ksbs):
    save_json(as_apprentice, draft, {f"score_{ksbs['K1'].pk}": "2"})
    html = as_apprentice.get(rate_url(draft)).content.decode()
    assert "Knowledge saved." not in html
    assert "1 of 51 rated" in html


@pytest.mark.parametrize("value", ["7", "-1", "two"])
def test_a_json_save_with_a_bad_score_is_a_400_and_saves_nothing(as_apprentice, draft, ksbs, value):
    response = save_json(as_apprentice, draft, {f"score_{ksbs['K1'].pk}": value})
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": {f"score_{ksbs['K1'].pk}": ["Choose a score from 0 to 4."]}
    }
    assert not draft.ratings.exists()


def test_a_json_save_of_a_comment_without_a_score_is_a_400(as_apprentice, draft, ksbs):
    response = save_json(as_apprentice, draft, {f"comment_{ksbs['K1'].pk}": "What about it?"})
    assert response.status_code == 400
    errors = json.loads(response.content)["errors"]
    assert errors == {f"score_{ksbs['K1'].pk}": ["Choose a score to go with your comment."]}
    assert not draft.ratings.exists()


@pytest.mark.parametrize("where", ["other standard", "other section"])
def test_a_json_save_with_a_tampered_ksb_is_a_400_and_saves_nothing(
    as_apprentice, draft, ksbs, where
):
    tampered = KSBFactory() if where == "other standard" else ksbs["S1"]
    data = {f"score_{ksbs['K1'].pk}": "3", f"score_{tampered.pk}": "3"}
    response = save_json(as_apprentice, draft, data)
    assert response.status_code == 400
    assert (
        "not part of this page; nothing was saved"
        in json.loads(response.content)["errors"]["__all__"][0]
    )
    assert not draft.ratings.exists()


def test_a_json_save_on_someone_elses_scan_is_404_and_a_mentors_is_403(
    client, draft, ksbs, other_apprentice, other_manager, mentor
):
    data = {f"score_{ksbs['K1'].pk}": "3"}
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        assert save_json(client, draft, data).status_code == 404
    client.force_login(mentor)
    assert save_json(client, draft, data).status_code == 403
    assert not draft.ratings.exists()


def test_a_json_save_on_a_submitted_scan_is_refused(as_apprentice, devops, ksbs):
    scan = make_scan(devops, status="submitted", scores={"K1": 1})
    response = save_json(as_apprentice, scan, {f"score_{ksbs['K1'].pk}": "4"})
    assert response.status_code == 409
    assert json.loads(response.content) == {
        "error": "This scan has been submitted and can no longer be changed."
    }
    assert saved(scan) == {"K1": 1}


def test_a_get_asking_for_json_still_gets_the_page(as_apprentice, draft):
    response = as_apprentice.get(rate_url(draft), **JSON)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "0 of 51 rated" in response.content.decode()


def test_the_page_loads_the_script_and_marks_each_ksb(as_apprentice, draft):
    html = as_apprentice.get(rate_url(draft)).content.decode()
    assert '<script src="/static/js/scan.js" defer></script>' in html
    assert html.count("data-save-state hidden") == 25
    assert 'role="status" aria-live="polite" data-scan-status' in html


# --- without JavaScript: the tabs save and move --------------------------------------------


def test_the_section_tabs_are_buttons_of_the_form(as_apprentice, draft):
    html = as_apprentice.get(rate_url(draft, "s")).content.decode()
    assert 'id="scan-form"' in html
    assert (
        '<button type="submit" form="scan-form" name="goto" value="k" class="step-link"'
        ' aria-describedby="steps-hint">1. Knowledge (25)</button>'
    ) in html
    assert '<span aria-current="step">2. Skills (22)</span>' in html
    assert 'name="goto" value="submit"' in html and "4. Check and submit</button>" in html
    assert f'href="{rate_url(draft, "k")}"' not in html  # no tab is a link that drops answers
    # Enter in a field saves and stays: the form's first button is a hidden Save.
    first_button = html.index("<button", html.index("</h1>"))
    assert html[first_button:].startswith(
        '<button type="submit" form="scan-form" name="action" value="save" hidden>'
    )


def test_a_tab_saves_the_section_and_moves_to_it(as_apprentice, draft, ksbs):
    data = {f"score_{ksbs[code].pk}": "2" for code in ("K1", "K2", "K3")}
    response = as_apprentice.post(rate_url(draft), {**data, "goto": "b"})
    assert response.url == rate_url(draft, "b")
    assert saved(draft) == {"K1": 2, "K2": 2, "K3": 2}


def test_check_and_submit_saves_the_section_first(as_apprentice, draft, ksbs):
    response = as_apprentice.post(
        rate_url(draft, "s"), {f"score_{ksbs['S1'].pk}": "4", "goto": "submit"}
    )
    assert response.url == reverse("skillscan:scan-submit", kwargs={"pk": draft.pk})
    assert saved(draft) == {"S1": 4}


def test_a_tab_with_an_error_stays_and_keeps_the_answers(as_apprentice, draft, ksbs):
    data = {
        f"score_{ksbs['K1'].pk}": "3",
        f"comment_{ksbs['K2'].pk}": "No score yet",
        "goto": "s",
    }
    response = as_apprentice.post(rate_url(draft), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a score to go with your comment." in html
    assert "No score yet</textarea>" in html
    assert not draft.ratings.exists()


def test_an_unknown_tab_saves_and_stays(as_apprentice, draft, ksbs):
    response = as_apprentice.post(rate_url(draft), {f"score_{ksbs['K1'].pk}": "1", "goto": "x"})
    assert response.url == f"{rate_url(draft)}#K2"
    assert saved(draft) == {"K1": 1}


# --- Save comes back to where it was -------------------------------------------------------


def test_save_comes_back_to_the_first_ksb_still_to_rate(as_apprentice, draft, ksbs):
    make_first = {f"score_{ksbs[f'K{n}'].pk}": "2" for n in (1, 2, 4)}
    response = as_apprentice.post(rate_url(draft), {**make_first, "action": "save"})
    assert response.url == f"{rate_url(draft)}#K3"


def test_save_of_a_whole_section_comes_back_to_the_buttons(as_apprentice, draft, devops):
    data = {f"score_{k.pk}": "2" for k in devops.standard.ksbs.filter(kind="B")}
    response = as_apprentice.post(rate_url(draft, "b"), {**data, "action": "save"})
    assert response.url == f"{rate_url(draft, 'b')}#scan-actions"
    assert 'id="scan-actions"' in as_apprentice.get(response.url).content.decode()


def test_ratings_saved_earlier_count_as_rated_for_the_place_to_come_back_to(
    as_apprentice, draft, ksbs
):
    save_json(as_apprentice, draft, {f"score_{ksbs['K1'].pk}": "2"})
    response = as_apprentice.post(rate_url(draft), {"action": "save"})
    assert response.url == f"{rate_url(draft)}#K2"


def test_continue_and_back_still_move(as_apprentice, draft):
    assert as_apprentice.post(rate_url(draft, "s"), {"action": "next"}).url == rate_url(draft, "b")
    assert as_apprentice.post(rate_url(draft, "s"), {"action": "previous"}).url == rate_url(draft)
    submit = reverse("skillscan:scan-submit", kwargs={"pk": draft.pk})
    assert as_apprentice.post(rate_url(draft, "b"), {"action": "next"}).url == submit


def test_another_apprenticeships_draft_is_not_touched(
    as_apprentice, draft, ksbs, acme, other_apprentice
):
    theirs = SkillScanFactory(
        apprenticeship=ApprenticeshipFactory(
            apprentice=other_apprentice, standard=draft.apprenticeship.standard, organisation=acme
        )
    )
    assert save_json(as_apprentice, theirs, {f"score_{ksbs['K1'].pk}": "2"}).status_code == 404
    assert not SkillScan.objects.get(pk=theirs.pk).ratings.exists()
