"""A deployment check: the links in e-mails sent outside a request come from SITE_URL, so in
production it must be the site's real HTTPS address."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_the_sites_https_address(app_configs, **kwargs):
    url = urlsplit(settings.SITE_URL)
    hosts = settings.ALLOWED_HOSTS
    if url.scheme != "https" or not url.hostname:
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in e-mails need the site's https:// "
                "address.",
                hint="Set SITE_URL, e.g. https://skills.example.org.",
                id="notify.W001",
            )
        ]
    if "*" not in hosts and url.hostname not in hosts and f".{url.hostname}" not in hosts:
        return [
            Warning(
                f"SITE_URL's host {url.hostname!r} is not in ALLOWED_HOSTS: links in e-mails "
                "would be refused.",
                id="notify.W002",
            )
        ]
    return []
