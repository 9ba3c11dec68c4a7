"""The PDF of a progress review signed by all: rendered once from its print template with
WeasyPrint, stored through the storage API with its SHA-256, and downloaded by everyone from
then on. A safeguarding concern is never in it (everyone downloads the same file)."""

import hashlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string

from .review_models import ProgressReview, ReviewDocument

logger = logging.getLogger(__name__)

PRINT_TEMPLATE = "tracker/review_print.html"


def review_print_context(review):
    """What the print template shows: the review, its parties' current signatures, its
    actions and KSB targets. Never its safeguarding concerns."""
    current = [s for s in review.signatures.all() if s.content_version == review.content_version]
    return {
        "review": review,
        "apprenticeship": review.apprenticeship,
        "signatures": current,
        "actions": list(review.action_items.all()),
        "targets": list(review.ksb_targets.all()),
    }


def review_print_html(review):
    return render_to_string(PRINT_TEMPLATE, review_print_context(review), using="jinja2")


def render_pdf(html):
    """The PDF bytes of ``html``; no file or URL outside it is ever fetched."""
    from weasyprint import HTML  # needs Pango at import time: only where a PDF is made

    def refuse(url, *args, **kwargs):
        raise ValueError(f"The review's PDF fetches nothing: {url}")

    return HTML(string=html, url_fetcher=refuse, base_url="/").write_pdf()


def review_pdf_make(review):
    """The review's ReviewDocument, made now if it has none yet: once, whoever asks at the same
    time (the review's row is locked while it is made). None if the review is not signed by
    all, or if the PDF could not be made (logged; asking again retries)."""
    with transaction.atomic():
        review = (
            ProgressReview.objects.select_for_update(of=("self",))
            .select_related("apprenticeship__apprentice", "apprenticeship__standard")
            .select_related("apprenticeship__organisation", "apprenticeship__provider")
            .get(pk=review.pk)
        )
        existing = ReviewDocument.objects.filter(review=review).first()
        if existing is not None or not review.is_signed:
            return existing
        try:
            content = render_pdf(review_print_html(review))
        except Exception:  # WeasyPrint or its libraries: the review stays signed regardless
            logger.exception("The PDF of review %s could not be made", review.pk)
            return None
        name = default_storage.save(
            f"reviews/{review.apprenticeship_id}/review-{review.pk}-{uuid.uuid4().hex}.pdf",
            ContentFile(content),
        )
        return ReviewDocument.objects.create(
            review=review,
            name=name,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
        )
