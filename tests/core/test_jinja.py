"""The Jinja2 engine of the layout and the busiest pages (core/jinja.py): it prints what
Django's templates printed, escapes what they escaped, and the Django templates that remain
(forms, django-allauth) get the same layout."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils.safestring import mark_safe

from core.jinja import render_partial

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
UTC_JUNE_NIGHT = datetime(2024, 6, 30, 23, 30, tzinfo=UTC)
DASH = "\N{EN DASH}"


def jinja(source, **context):
    return engines["jinja2"].from_string(source).render(context)


def django(source, **context):
    return engines["django"].from_string(source).render(context)


def test_user_text_is_escaped_and_safe_html_is_not():
    text = "<script>alert(\"x\")</script> & 'quotes'"
    assert "<script>" not in jinja("{{ text }}", text=text)
    assert jinja("{{ text }}", text=text).startswith("&lt;script&gt;")
    assert jinja("{{ html }}", html=mark_safe("<b>kept</b>")) == "<b>kept</b>"


def test_autoescape_cannot_be_switched_off_in_settings():
    from core.jinja import environment

    env = environment(autoescape=False, loader=None)
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"


@pytest.mark.parametrize(
    ("jinja_source", "django_source", "value"),
    [
        ('{{ v|date("j F Y") }}', '{{ v|date:"j F Y" }}', date(2026, 3, 9)),
        ('{{ v|date("j M Y") }}', '{{ v|date:"j M Y" }}', datetime(2026, 12, 31, 23, 59)),
        ('{{ v|date("j M Y") }}', '{{ v|date:"j M Y" }}', None),
        # In the site's time zone (Europe/London): 23:30 UTC in June is the next day.
        ('{{ v|date("j M Y H:i") }}', '{{ v|date:"j M Y H:i" }}', UTC_JUNE_NIGHT),
        ('{{ v|date("j M Y") }}', '{{ v|date:"j M Y" }}', UTC_JUNE_NIGHT),
        ('{{ v|date("D, j M Y") }}', '{{ v|date:"D, j M Y" }}', UTC_JUNE_NIGHT),
        ('{{ v|floatformat("-2") }}', '{{ v|floatformat:"-2" }}', Decimal("45.10")),
        ('{{ v|floatformat("-2") }}', '{{ v|floatformat:"-2" }}', Decimal("45.00")),
        ('{{ v|floatformat("-1") }}', '{{ v|floatformat:"-1" }}', Decimal("7.25")),
        ("{{ v|floatformat(1) }}", "{{ v|floatformat:1 }}", 2.25),
        ("{{ v|pluralize }}", "{{ v|pluralize }}", 1),
        ("{{ v|pluralize }}", "{{ v|pluralize }}", 2),
        ("{{ v|truncatewords(3) }}", "{{ v|truncatewords:3 }}", "one two three four five"),
        ('{{ v|default_if_none("-") }}', '{{ v|default_if_none:"-" }}', None),
        ('{{ v|default_if_none("-") }}', '{{ v|default_if_none:"-" }}', 0),
        ("{{ v }}", "{{ v }}", 12345),
        ("{{ v }}", "{{ v }}", Decimal("2.50")),
    ],
)
def test_filters_print_what_django_printed(jinja_source, django_source, value):
    assert jinja(jinja_source, v=value) == django(django_source, v=value)


def test_a_format_with_escaped_letters_reads_the_same():
    fmt = r"\d\a\y j, H:i"
    value = UTC_JUNE_NIGHT
    assert jinja("{{ v|date(f) }}", v=value, f=fmt) == django("{{ v|date:f }}", v=value, f=fmt)
    assert jinja("{{ v|date(f) }}", v=value, f=fmt) == "day 1, 00:30"


def test_signed_changes():
    out = jinja(
        "{{ a|signed }} {{ b|signed(0) }} {{ c|signed }} {{ d|signed }}",
        a=0.25,
        b=-2,
        c=None,
        d=0.01,
    )
    assert out == f"+0.2 -2 {DASH} 0"


def test_a_missing_value_prints_nothing_even_inside_a_chain():
    assert jinja("[{{ nothing }}][{{ person.mentor.email }}]", person=None) == "[][]"


def test_a_remembered_url_follows_the_script_prefix():
    from django.urls import set_script_prefix

    assert jinja("{{ url('tracker:hours', 7) }}") == "/apprenticeships/7/hours/"
    set_script_prefix("/skills/")
    try:
        assert jinja("{{ url('tracker:hours', 7) }}") == "/skills/apprenticeships/7/hours/"
    finally:
        set_script_prefix("/")


def test_url_and_querystring():
    request = RequestFactory().get("/dashboard/?sort=coverage&page=3&status=active")
    assert jinja("{{ url('tracker:hours', 7) }}") == reverse("tracker:hours", args=[7])
    assert jinja("{{ url('progress:dashboard') }}") == "/dashboard/"
    out = jinja("{{ querystring(request, page=None, sort='-review') }}", request=request)
    assert out == "?sort=-review&amp;status=active"


def test_the_test_client_sees_the_context_of_a_jinja2_page(client, django_user_model):
    user = django_user_model.objects.create_user(email="m@example.com", password="x" * 12)
    client.force_login(user)
    response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 200
    assert response.context["counts"]["apprentices"] == 0


def test_django_templates_render_inside_the_one_layout(client):
    """allauth's login page is a Django template: it gets the layout's header and footer."""
    html = client.get(reverse("account_login")).content.decode()
    assert html.count('<header class="site-header">') == 1
    assert "Open Government Licence" in html
    assert "<title>Sign In · Skills Tracker</title>" in html or "· Skills Tracker</title>" in html


def test_the_bridge_tag_includes_a_jinja2_partial_with_extra_values():
    request = RequestFactory().get("/")
    out = django(
        '{% load jinja %}{% jinja_include "tracker/includes/_link.html" link=link %}',
        link={"url": "https://example.org/a?b=1&c=<2>", "kind": "web", "label": "<PR>"},
        request=request,
    )
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;"' in out
    assert "&lt;PR&gt;" in out
    assert render_partial(request, "tracker/includes/_link.html", {"link": None}) == ""


def test_capture_renders_blocks_into_a_variable():
    out = django('{% load jinja %}{% capture "x" %}<b>{{ a }}</b>{% endcapture %}[{{ x }}]', a="&")
    assert out == "[<b>&amp;</b>]"


def test_no_template_name_is_in_both_engines():
    """Django looks in templates/ first: a page of the same name in jinja2/ would never show."""
    django_names = {p.relative_to(ROOT / "templates") for p in (ROOT / "templates").rglob("*.*")}
    jinja_names = {p.relative_to(ROOT / "jinja2") for p in (ROOT / "jinja2").rglob("*.*")}
    assert not django_names & jinja_names


def test_no_action_name_hides_behind_a_dict_method():
    """Jinja2 tries an attribute before a key: ``role.can.update`` would be dict.update (true)
    rather than the permission, so no action may be named like a dict method."""
    from accounts.permissions import Action

    assert not {action.value for action in Action} & set(dir(dict))
