"""The Django admin reads at desktop and phone width: the object tools ("History", "View on
site") never cover a long title, and the duty's KSB picker has its label above it."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, log_in, new_context

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TITLE = (
    "Cloud platform, site reliability and secure software delivery engineer with an "
    "exceptionally long occupational title"
)


# The boxes of the lines of text of the change page's title (the object's name), not of its
# block, which spans the whole width whatever the length of the text.
TITLE_LINES = """() => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector("#content h2"));
  return [...range.getClientRects()].map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}));
}"""


def overlaps(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_admin_change_pages_with_long_titles_and_the_ksb_picker(
    browser, live_server, st0825, admin_user, screenshot, viewport
):
    st0825.title = LONG_TITLE
    st0825.save()
    duty = st0825.duties.get(number=1)
    ksb = max(st0825.ksbs.all(), key=lambda k: len(k.description))
    context = new_context(browser, live_server, viewport=viewport)
    page = context.new_page()
    log_in(page, admin_user.email)
    width = viewport["width"]
    for name, url in [
        ("standard", reverse("admin:standards_standard_change", args=[st0825.pk])),
        ("ksb", reverse("admin:standards_ksb_change", args=[ksb.pk])),
        ("duty", reverse("admin:standards_duty_change", args=[duty.pk])),
    ]:
        assert page.goto(url).status == 200
        screenshot(page, f"issue12-admin-{name}-{width}")
        page.screenshot(path=ARTIFACTS / f"issue12-admin-{name}-{width}-top.png")  # the title
        for line in page.evaluate(TITLE_LINES):
            for tool in page.locator(".object-tools a").all():
                assert not overlaps(tool.bounding_box(), line), f"{name}: {tool.inner_text()}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator(".field-ksbs").screenshot(path=ARTIFACTS / f"issue12-admin-ksb-picker-{width}.png")
    label = page.locator(".field-ksbs .flex-container > label").bounding_box()
    picker = page.locator(".field-ksbs .selector").first.bounding_box()
    assert label["y"] + label["height"] <= picker["y"], "the KSBs label sits above the picker"
    assert picker["x"] <= label["x"] + 1, "not beside it"
    errors = context.errors
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"
