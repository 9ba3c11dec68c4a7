"""The outbox in the admin: read only, filtered by status and kind, searched by recipient, and
never showing an e-mail's body (which holds live links until it is sent)."""

import pytest
from django.urls import reverse

from accounts.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(db):
    def make(n, to, status, kind, body=""):
        return OutgoingEmail.objects.create(
            kind=kind,
            to=to,
            subject=f"Subject {n}",
            body=body,
            status=status,
            message_id=f"<{n}@example.com>",
        )

    return [
        make(1, "ann@example.com", "sent", "invitation"),
        make(2, "bob@example.com", "retrying", "account", body="https://x/secret-token"),
        make(3, "cat@example.com", "failed", "scan_submitted"),
    ]


def changelist(admin_client, **params):
    response = admin_client.get(reverse("admin:accounts_outgoingemail_changelist"), params)
    assert response.status_code == 200
    return {email.pk for email in response.context["cl"].result_list}


def test_the_outbox_is_filtered_and_searched(admin_client, emails):
    ann, bob, cat = emails
    assert changelist(admin_client) == {ann.pk, bob.pk, cat.pk}
    assert changelist(admin_client, status__exact="retrying") == {bob.pk}
    assert changelist(admin_client, kind__exact="scan_submitted") == {cat.pk}
    assert changelist(admin_client, q="ann@") == {ann.pk}


def test_an_email_is_read_only_and_its_body_is_not_shown(admin_client, emails):
    bob = emails[1]
    page = admin_client.get(reverse("admin:accounts_outgoingemail_change", args=[bob.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "bob@example.com" in html and "secret-token" not in html
    assert 'name="_save"' not in html
    assert admin_client.get(reverse("admin:accounts_outgoingemail_add")).status_code == 403
    delete = reverse("admin:accounts_outgoingemail_delete", args=[bob.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutgoingEmail.objects.filter(pk=bob.pk).exists()
