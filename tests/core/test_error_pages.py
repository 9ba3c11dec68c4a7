"""Every error page has the site's layout, says what happened and what to do, offers a way back,
answers with its status code and shows no exception text; the 500 page needs no database."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

BRAND = '<a class="site-brand me-auto" href="/">Skills Tracker</a>'
HOME = 'href="/">Go to the home page</a>'
MY_HOME = 'href="/home/">Go to your home page</a>'


def assert_error_page(response, status, title, *, logged_in):
    html = response.content.decode()
    assert response.status_code == status
    assert BRAND in html, "the site's header"
    assert f"<title>{title} · Skills Tracker</title>" in html
    assert f"Error {status}" in html
    assert (MY_HOME if logged_in else HOME) in html, "a way back"
    for leak in ("Traceback", "Exception", "Error:", "File &quot;", 'File "'):
        assert leak not in html
    return html


@pytest.fixture
def logged_in(client, apprentice):
    client.force_login(apprentice)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("as_user", [False, True], ids=["anonymous", "logged-in"])
def test_a_missing_page_is_a_404_in_the_layout(client, apprentice, as_user):
    if as_user:
        client.force_login(apprentice)
    html = assert_error_page(client.get("/no-such-page/"), 404, "Page not found", logged_in=as_user)
    assert "There is no page at this address, or it is not one your account can see." in html
    assert ("Alex Apprentice" in html) is as_user, "the header shows who is logged in"


@pytest.mark.django_db
def test_a_404_shows_not_the_message_it_was_raised_with(logged_in, standard):
    url = reverse("standards:standard-latest", args=["ST9999"])
    html = assert_error_page(logged_in.get(url), 404, "Page not found", logged_in=True)
    assert "No standard has that reference" not in html


@pytest.mark.django_db
def test_an_apprentice_on_the_gateway_page_gets_a_403_that_says_who_may(logged_in, apprenticeship):
    url = reverse("progress:gateway", args=[apprenticeship.pk])
    html = assert_error_page(logged_in.get(url), 403, "You cannot do that", logged_in=True)
    assert "may mark the apprenticeship at gateway. Nothing was changed." in html
    assert "Only " in html and "Go back to the previous page" not in html


@pytest.mark.django_db
def test_a_403_offers_the_page_of_this_site_it_came_from(logged_in, apprenticeship):
    url = reverse("progress:gateway", args=[apprenticeship.pk])
    came_from = f"http://testserver{apprenticeship.get_absolute_url()}"
    html = logged_in.get(url, HTTP_REFERER=came_from).content.decode()
    assert f'<a class="btn btn-primary" href="{came_from}">Go back to the previous page</a>' in html
    assert 'class="btn btn-outline-primary" href="/home/">Go to your home page' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "referer", ["https://evil.example.com/phish", "javascript:alert(1)", "http://testserver/404/"]
)
def test_no_way_back_to_another_site_or_to_the_same_address(client, referer):
    html = client.get("/404/", HTTP_REFERER=referer).content.decode()
    assert "Go back to the previous page" not in html
    assert "evil.example.com" not in html and "javascript:" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("as_user", [False, True], ids=["anonymous", "logged-in"])
def test_a_malformed_query_is_a_400_in_the_layout(client, apprentice, as_user):
    if as_user:
        client.force_login(apprentice)
    response = client.get("/standards/", {"q": "x" * 5000})
    html = assert_error_page(
        response, 400, "Request not understood", logged_in=False
    )  # refused before the session is read: the page cannot know who asks
    assert "Malformed" not in html
    assert "Log in" not in html, "no log-in link for someone who may be logged in"


@pytest.mark.django_db
@pytest.mark.parametrize("as_user", [False, True], ids=["anonymous", "logged-in"])
def test_a_form_sent_with_an_expired_token_says_to_reload_it(apprentice, as_user):
    client = Client(enforce_csrf_checks=True)
    if as_user:
        client.force_login(apprentice)
    response = client.post(
        reverse("account_logout"), HTTP_REFERER="http://testserver/accounts/profile/"
    )
    html = assert_error_page(response, 403, "The form has expired", logged_in=as_user)
    assert "reload the page, and send the form" in html
    assert 'href="http://testserver/accounts/profile/">Go back to the previous page' in html
    assert "CSRF" not in html


@pytest.mark.django_db
def test_a_fault_while_the_database_is_down_is_a_500_in_the_layout(logged_in):
    logged_in.raise_request_exception = False
    broken = OperationalError("could not connect to server: secret-host.internal")
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=broken):
        response = logged_in.get(reverse("progress:start"))
    html = assert_error_page(response, 500, "Something went wrong", logged_in=False)
    assert "secret-host" not in html and "OperationalError" not in html
    assert "Log in" not in html and "Alex Apprentice" not in html, "who asks is unknown"
    assert "Please try again in a few minutes." in html


def test_the_500_page_renders_without_a_request_user_or_database():
    # No django_db mark: any query here fails the test.
    response = server_error(RequestFactory().get("/"))
    html = assert_error_page(response, 500, "Something went wrong", logged_in=False)
    assert '<main id="main"' in html and "site-footer" in html
