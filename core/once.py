"""Forms that create something take effect once, however often they are sent.

A form that creates a row carries a hidden random key, made when the form is drawn. The row
keeps the key in a unique column, so the database itself refuses a second row from the same
form: a double click, a retry after a timeout or the back button send the same key again. A
repeated POST is answered with the row the first one made (``already_submitted`` before the
form is validated), and two POSTs racing past that check meet the unique constraint, which
``created_once`` turns into the same answer."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models

SUBMISSION_KEY = "submission_key"


def submission_key_field():
    """The hidden form field: a fresh key each time the form is drawn, kept when it is drawn
    again with errors (nothing was made then)."""
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


def submission_key_column():
    """The model field that keeps the key of the form a row was made from."""
    return models.UUIDField(null=True, blank=True, unique=True, editable=False)


class AlreadySubmitted(Exception):
    """The form was sent before and made ``obj``; nothing new was made."""

    def __init__(self, obj):
        super().__init__(f"Already made: {obj!r}")
        self.obj = obj


def _key(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def already_submitted(request, queryset):
    """The row of ``queryset`` the form in ``request.POST`` made already, or None."""
    key = _key(request.POST.get(SUBMISSION_KEY, ""))
    return queryset.filter(submission_key=key).first() if key else None


def created_once(queryset, key, create, existing=None):
    """``create()``, which makes one row of ``queryset``'s model with ``key`` in its unique
    submission_key inside its own transaction; AlreadySubmitted with the row another request
    made first when the database refuses it. ``existing()`` finds the row that holds another
    unique rule of the model (one open invitation per person), for the same answer."""
    try:
        return create()
    except IntegrityError:
        found = queryset.filter(submission_key=key).first() if key else None
        found = found or (existing() if existing else None)
        if found is not None:
            raise AlreadySubmitted(found) from None
        if key and queryset.model.objects.filter(submission_key=key).exists():
            # Someone else's form's key: only a tampered form sends one.
            raise ValidationError(
                "This form has expired: reload the page and send it again.", code="stale_form"
            ) from None
        raise
