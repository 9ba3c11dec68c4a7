"""How allauth sends its e-mails (confirming an address, resetting a password): a mail server
that is down or does not answer must not turn sign-up or a password reset into a server error.
The failure is logged, the user is told what happened and what to do next, and the request
stops there, so nothing goes on as if the e-mail had been sent."""

import logging
import smtplib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

logger = logging.getLogger(__name__)

# Both answers to a sign-up form, so a failure says the same whether the address was new or not.
SIGNUP_MAILS = {"account/email/email_confirmation_signup", "account/email/account_already_exists"}
# Sent only once every few minutes per address (allauth's "confirm_email" limit).
CONFIRMATION_MAILS = {*SIGNUP_MAILS, "account/email/email_confirmation"}
SIGNUP_NOT_SENT = (
    "Your account is set up, but we could not send the e-mail to confirm your address just now. "
    "Sign in in a few minutes and we will send it again."
)
NOT_SENT = (
    "We could not send the e-mail to {email} just now. Please try again in a few minutes; if it "
    "keeps failing, tell your administrator."
)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        """Send as allauth does; when the mail server fails, say so and go back: to the login
        page after a sign-up (the account exists; signing in sends the confirmation again),
        else to the page whose form was sent, which may be tried again."""
        try:
            super().send_mail(template_prefix, email, context)
        except (OSError, smtplib.SMTPException) as exc:
            logger.exception("Could not send the e-mail %s to %s", template_prefix, email)
            request = allauth_context.request
            if template_prefix in CONFIRMATION_MAILS:
                # This one did not go: the next try must not wait for the limit.
                ratelimit.clear(request, action="confirm_email", key=email.lower())
            if template_prefix in SIGNUP_MAILS:
                messages.error(request, SIGNUP_NOT_SENT)
                raise ImmediateHttpResponse(redirect("account_login")) from exc
            messages.error(request, NOT_SENT.format(email=email))
            back = request.get_full_path() if request.method == "POST" else "account_login"
            raise ImmediateHttpResponse(redirect(back)) from exc

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
