"""Static files in production: collected with hashed names and compressed copies, and served by
WhiteNoise with far-future caching for the hashed names only (a new release changes the name,
so a browser never keeps an old stylesheet), compressed for a client that accepts it."""

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

PRODUCTION_STATIC = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": PRODUCTION_STATIC},
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        middleware = WhiteNoiseMiddleware(lambda request: HttpResponse("app", status=404))
        yield root, middleware, static("css/app.css")


def get(middleware, url, **headers):
    return middleware(RequestFactory().get(url, **headers))


def test_collected_names_are_hashed_and_compressed(collected):
    root, _, url = collected
    assert url != "/static/css/app.css"
    assert url.startswith("/static/css/app.") and url.endswith(".css")
    hashed = root / url.removeprefix("/static/")
    assert hashed.exists()
    assert hashed.with_name(hashed.name + ".gz").exists()


def test_a_hashed_name_is_cached_for_ever(collected):
    _, middleware, url = collected
    response = get(middleware, url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"


def test_a_compressed_copy_goes_to_a_client_that_accepts_it(collected):
    _, middleware, url = collected
    response = get(middleware, url, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert response["Vary"] == "Accept-Encoding"


def test_an_unhashed_name_is_kept_a_short_while_only(collected):
    _, middleware, _ = collected
    response = get(middleware, "/static/css/app.css")
    assert response.status_code == 200
    assert "immutable" not in response["Cache-Control"]
    assert response["Cache-Control"] == "max-age=60, public"


def test_a_missing_file_is_left_to_the_app(collected):
    _, middleware, _ = collected
    response = get(middleware, "/static/css/nothing-here.css")
    assert response.status_code == 404
    assert response.content == b"app"
