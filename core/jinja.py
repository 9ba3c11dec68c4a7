"""Jinja2, the template engine of the site's layout and of the pages that show hundreds of
values: the apprenticeship's home, the dashboard, the portfolio, scan results, evidence lists
and queues, duties and hours.

Django's template language spends about 10 µs on every value it prints (a dictionary lookup
that fails before the attribute lookup, the localisation of each number, a stack of contexts);
on the portfolio that was 40 ms of a 60 ms page, and the layout alone cost 2.4 ms. Jinja2
compiles a template to Python and prints the same HTML about six times faster. Django supports
it as a second engine: a view renders ``render(request, "progress/dashboard.html", context)`` as
usual and Django finds the template in ``jinja2/``. Forms (crispy) and django-allauth's pages stay
Django templates; they extend ``templates/base.html``, which hands their blocks to the one
layout, ``jinja2/base.html`` (see ``core/templatetags/jinja.py``).

The filters are Django's own functions, so a date, a rounded number or a plural reads the same
whichever engine printed it. Autoescaping is always on; Django's safe strings and Jinja2's
Markup understand each other (both have ``__html__``). A missing value prints nothing, as in
Django's templates (``ChainableUndefined``), never a traceback for a None inside a chain."""

import datetime
import functools

from django.template import defaultfilters, defaulttags, engines
from django.template.backends import jinja2 as django_jinja2
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from jinja2 import ChainableUndefined, Environment

from .numbers import signed


def url(name, *args, **kwargs):
    """``{{ url("tracker:duty-detail", pk, 3) }}``, Django's ``{% url %}``, remembered per
    URL configuration and prefix: the same few links print on every page (the layout's eight
    alone), and each reverse costs ~50 µs."""
    try:
        return _url(get_script_prefix(), get_urlconf(), name, args, tuple(sorted(kwargs.items())))
    except TypeError:  # an argument that cannot be a dictionary key
        return reverse(name, args=args or None, kwargs=kwargs or None)


@functools.lru_cache(maxsize=4096)
def _url(prefix, urlconf, name, args, kwargs):
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def querystring(request, **changes):
    """The current query string with ``changes`` (None removes a key), Django's
    ``{% querystring %}``: ``{{ querystring(request, page=2) }}``."""
    return defaulttags.querystring(None, request.GET, **changes)


# The format characters of Django's ``date`` filter that read only the day, not the time.
_DAY_ONLY = frozenset("dDjlNSwzWFmMntyYLoE")


def date(value, arg=None):
    """Django's ``date`` filter on the value in the current time zone, as Django's templates
    convert an aware datetime before a filter sees it. A day printed in a format without the
    time is remembered: a table prints the same few days many times, and each costs ~40 µs."""
    value = template_localtime(value)
    if isinstance(value, datetime.datetime) and arg and _reads_only_the_day(arg):
        value = value.date()
    if type(value) is datetime.date:
        return _day(value, arg, get_language())
    return defaultfilters.date(value, arg)


@functools.cache
def _reads_only_the_day(arg):
    return _DAY_ONLY.issuperset(char for char in arg if char.isalpha())


@functools.lru_cache(maxsize=2048)
def _day(value, arg, language):
    return defaultfilters.date(value, arg)


@functools.lru_cache(maxsize=4096)
def _floatformat(value, arg, language):
    return defaultfilters.floatformat(value, arg)


def floatformat(value, arg=-1):
    """Django's ``floatformat``, remembered for each value (equal numbers print the same): it
    costs ~30 µs, and a table prints a few hundred hours."""
    try:
        return _floatformat(value, arg, get_language())
    except TypeError:  # a value that cannot be a dictionary key
        return defaultfilters.floatformat(value, arg)


def default_if_none(value, default):
    return default if value is None else value


def environment(**options):
    """The Jinja2 environment of the TEMPLATES setting."""
    options["undefined"] = ChainableUndefined
    options.pop("autoescape", None)  # always on
    env = Environment(autoescape=True, **options)
    env.globals.update(url=url, static=static, querystring=querystring)
    env.filters.update(
        date=date,
        default_if_none=default_if_none,
        floatformat=floatformat,
        pluralize=defaultfilters.pluralize,
        signed=signed,
        truncatewords=defaultfilters.truncatewords,
    )
    return env


class Template(django_jinja2.Template):
    def render(self, context=None, request=None):
        html = super().render(context, request)
        # As Django's own templates do under the test runner: the test client records the
        # template and its context (response.context). Without listeners this costs nothing.
        template_rendered.send(sender=self, template=self, context=context)
        return html


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, telling the test client what it rendered."""

    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)


def render_partial(request, template_name, context):
    """The output of the Jinja2 template ``template_name`` with ``context`` and what the
    backend adds for a request, as a safe string (an autoescaping template's output is HTML)."""
    template = engines["jinja2"].get_template(template_name).template
    context = {
        **context,
        "request": request,
        "csrf_input": csrf_input_lazy(request),
        "csrf_token": csrf_token_lazy(request),
    }
    return mark_safe(template.render(context))  # noqa: S308
