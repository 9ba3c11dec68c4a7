import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition
from django.views.generic import ListView

from . import selectors
from .models import Standard

CONTENT_TEMPLATE = "standards/includes/_standard_content.html"
PAGE_TEMPLATES = ("base.html", "standards/standard_detail.html", CONTENT_TEMPLATE)
CONTENT_CACHE_SECONDS = 60 * 60 * 24
# No page this process serves is older than its code and templates.
STARTED_AT = timezone.now()


class StandardListView(ListView):
    """Every standard, public: reference, title, version, level and its size."""

    queryset = Standard.objects.with_counts()
    template_name = "standards/standard_list.html"
    context_object_name = "standards"
    paginate_by = 50


def _version_key(version):
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def standard_latest(request, reference):
    """/standards/ST0825/ goes to the newest version of that standard."""
    versions = list(
        Standard.objects.filter(reference__iexact=reference).values_list("reference", "version")
    )
    if not versions:
        raise Http404("No standard has that reference.")
    reference, version = max(versions, key=lambda item: _version_key(item[1]))
    return redirect("standards:standard-detail", reference=reference, version=version)


def _digest(*parts):
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def _page_fingerprint():
    """What shapes the standard's page besides its data: the templates, the static files'
    hashed URLs and the code that reads the structure. A deploy that changes any moves it."""
    return _digest(
        settings.STATIC_URL,
        getattr(staticfiles_storage, "manifest_hash", ""),
        [get_template(name).template.source for name in PAGE_TEMPLATES],
        Path(selectors.__file__).read_text(),
    )


_deployed_page_fingerprint = cache(_page_fingerprint)


def page_fingerprint():
    # In development the templates change under a running server; in production they do not.
    return _page_fingerprint() if settings.DEBUG else _deployed_page_fingerprint()


@dataclass
class StandardPage:
    """The standard of a detail URL and its HTTP validators for one request: ``shared`` when
    the whole page is the same for everyone (anonymous, no messages waiting)."""

    standard: Standard
    content_key: str
    etag: str | None
    last_modified: datetime | None
    shared: bool


def _standard_page(request, reference, version):
    """Look the standard up once per request (the conditional checks and the view share it)
    and work out what its page depends on; None for an unknown standard."""
    if not hasattr(request, "_standard_page"):
        request._standard_page = None
        standard = Standard.objects.filter(reference=reference, version=version).first()
        if standard is not None:
            request._standard_page = _validators(request, standard)
    return request._standard_page


def _validators(request, standard):
    content_key = _digest(standard.pk, standard.content_updated_at.isoformat(), page_fingerprint())
    if len(get_messages(request)):
        # The page shows waiting messages once: a 304 would keep them from the reader.
        return StandardPage(standard, content_key, None, None, shared=False)
    user = request.user
    if not user.is_authenticated:
        last_modified = max(standard.content_updated_at, STARTED_AT)
        return StandardPage(standard, content_key, f'"{content_key}"', last_modified, shared=True)
    # The navigation shows the user's name, the links their roles open and a log-out form with
    # a CSRF token (base.html): the ETag covers them all. It is weak because each render masks
    # the token afresh, which gives an equivalent page rather than the same bytes. There is no
    # Last-Modified, which could not tell one user's page from another's.
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not csrf_secret:  # the page will set a new one
        return StandardPage(standard, content_key, None, None, shared=False)
    etag = _digest(content_key, user.pk, str(user), user.is_staff, user.is_employer, csrf_secret)
    return StandardPage(standard, content_key, f'W/"{etag}"', None, shared=False)


def _etag(request, reference, version):
    page = _standard_page(request, reference, version)
    return page.etag if page else None


def _last_modified(request, reference, version):
    page = _standard_page(request, reference, version)
    return page.last_modified if page else None


def _revalidated_each_time(view):
    """Browsers and caches keep the page but ask again every time (a 304 costs one query);
    only an anonymous page may be kept by a shared cache."""

    @wraps(view)
    def wrapper(request, reference, version):
        response = view(request, reference, version)
        page = _standard_page(request, reference, version)  # None: a 412 for no standard
        shared = page is not None and page.shared
        patch_cache_control(response, no_cache=True, **{"public" if shared else "private": True})
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


def standard_content(standard, content_key):
    """The page's content for this version of the standard, rendered once per process and kept
    in its own cache (a shared one would cost a query or a round trip on a page served in one):
    an edit or a deploy changes the key, so no stale copy is ever read. It is rendered without
    the request, so nothing of the user's can be cached into it."""
    cache_key = f"standards:content:{content_key}"
    html = caches["local"].get(cache_key)
    if html is None:
        structure = selectors.standard_structure(standard)
        # A SafeString, and it stays one through the cache's pickling.
        html = render_to_string(CONTENT_TEMPLATE, {"standard": standard, "structure": structure})
        caches["local"].set(cache_key, html, CONTENT_CACHE_SECONDS)
    return html


@_revalidated_each_time
@condition(etag_func=_etag, last_modified_func=_last_modified)
def standard_detail(request, reference, version):
    """A standard's duties with their KSBs, the K, S and B statements, and the duty-by-KSB
    matrix; public. Answers If-None-Match and If-Modified-Since with a 304."""
    page = _standard_page(request, reference, version)
    if page is None:
        raise Http404("No standard has that reference and version.")
    content = standard_content(page.standard, page.content_key)
    return render(
        request, "standards/standard_detail.html", {"standard": page.standard, "content": content}
    )
