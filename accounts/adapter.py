"""How allauth sends its e-mails (confirming an address, resetting a password): rendered as
allauth renders them, then queued in the outbox like every other e-mail, so a mail server that
is down or does not answer never turns sign-up or a password reset into a server error. The
e-mail is tried again until it goes, and the person is told it has not gone yet."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError

from .outbox import not_sent_yet, queue_email

NOT_SENT_YET = (
    "The e-mail to {email} has not gone yet: our mail server is not answering. It will be "
    "sent as soon as it does; there is no need to ask again."
)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Render the e-mail as allauth does and queue it instead of sending it here."""
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                **context,
            },
        )
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", []) or []
                if mimetype == "text/html"
            ),
            "",
        )
        user = getattr(request, "user", None)
        queued = queue_email(
            kind="account",
            to=message.to,
            subject=message.subject,
            body=message.body,
            html=html,
            from_email=message.from_email,
            sender=user if user is not None and user.is_authenticated else None,
        )
        if request is not None and not_sent_yet(queued):
            messages.warning(request, NOT_SENT_YET.format(email=email))

    def clean_email(self, email):
        """After an invitation link, sign-up makes the invited address the login (opening the
        link proved it): an account under another typed address would not be the one invited,
        so sign-up says so beside the field instead of silently using the invited one."""
        email = super().clean_email(email)
        invited = invited_email(self.request)
        if invited and email.casefold() != invited.casefold():
            raise ValidationError(
                f"You are signing up from the invitation to {invited}: that address will be "
                "your login. To use another address, ask whoever invited you to invite that one.",
                code="not_invited_address",
            )
        return email


def invited_email(request):
    """The address an invitation link opened in this session proved, until sign-up uses it."""
    if request is None or not hasattr(request, "session"):
        return None
    return request.session.get("account_verified_email")
