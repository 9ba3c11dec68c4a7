"""In production the links in e-mails must point at the site's real HTTPS address."""

from notify.checks import site_url_is_the_sites_https_address as check


def _ids(settings, url, hosts):
    settings.SITE_URL = url
    settings.ALLOWED_HOSTS = hosts
    return [message.id for message in check(None)]


def test_the_sites_https_address_passes(settings):
    assert _ids(settings, "https://skills.example.org", ["skills.example.org"]) == []
    assert _ids(settings, "https://skills.example.org/", ["*"]) == []


def test_plain_http_or_no_host_is_refused(settings):
    assert _ids(settings, "http://localhost:8000", ["skills.example.org"]) == ["notify.W001"]
    assert _ids(settings, "https://", ["skills.example.org"]) == ["notify.W001"]
    assert _ids(settings, "skills.example.org", ["skills.example.org"]) == ["notify.W001"]


def test_a_host_the_site_does_not_serve_is_refused(settings):
    assert _ids(settings, "https://other.example.org", ["skills.example.org"]) == ["notify.W002"]
