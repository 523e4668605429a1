"""The young person's web pages in real headless Chromium, at every size and by
keyboard: axe-core finds no critical or serious problem on any page, no page
scrolls sideways at 195 px (200% zoom on a phone) or 320 px, each page has one
<h1> and a title naming its step, focus rings are clear (3:1), a keyboard-only
check-in reaches each card a few tabs after the last one and keeps the focus on the
card tapped, and "Read it to me" only reads in the page's own language."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain.runtime import Runtime
from tests.support.live_server import live_server
from tests.support.people import Cast
from tests.web.test_browser import (  # noqa: F401 - the browser fixture
    CHROMIUM,
    DOCS,
    PHONE,
    TABLET,
    _set_pin_on,
    _tablet_person,
    browser,
    web_path,
)
from tests.web.test_desk_browser import assert_accessible

SHOOT = os.environ.get("HEARD_SCREENSHOTS") == "1"
WIDTHS = (195, 320)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing (apt-get install chromium)")

# The contrast of each focused control's ring against what is behind it (WCAG 1.4.11).
FOCUS_CONTRAST = """(el) => {
  const rgb = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
    return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const style = getComputedStyle(el);
  if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2) return 0;
  const ring = rgb(style.outlineColor);
  let node = el.parentElement, ground = { r: 255, g: 255, b: 255, a: 1 };
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.a > 0) { ground = c; break; }
    node = node.parentElement;
  }
  const a = lum(ring), b = lum(ground);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


# Words broken across lines ("Embarra / ssed", "Childlin / e"): more lines than words.
BROKEN_WORDS = """() => [...document.querySelectorAll(
    '.card-label, .contact-name, .contact-number, .button, .face-name, .tabs a, .say-button')].filter((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  return lines > el.innerText.trim().split(/\\s+/).length;
}).map((el) => el.innerText)"""


async def check_page(page, label: str, *, title: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """axe-core, one <h1>, a title naming the step, and no sideways scroll at 195/320 px."""
    await assert_accessible(page, label)
    assert await page.locator("h1").count() == 1, f"{label}: one <h1>"
    page_title = await page.title()
    if title is not None:
        assert page_title == f"{title} – Heard", f"{label}: {page_title!r}"
    size = page.viewport_size
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 700})
        wide = await page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{label} scrolls sideways at {width} px: {wide}"
        assert await page.evaluate(BROKEN_WORDS) == [], f"{label} breaks words at {width} px"
    assert await page.evaluate(BROKEN_WORDS) == [], f"{label} breaks words at 390 px"
    await page.set_viewport_size(size)


async def focus_rings_are_clear(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Tab through the page; every control's ring is at least 3:1 against its ground."""
    seen = 0
    for _ in range(40):
        await page.keyboard.press("Tab")
        tag = await page.evaluate("document.activeElement.tagName")
        if tag == "BODY":
            break
        ratio = await page.evaluate(FOCUS_CONTRAST, await page.evaluate_handle(
            "document.activeElement"))
        name = await page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert ratio >= 3, f"{label}: focus ring {ratio:.2f}:1 on {name}"
        seen += 1
    assert seen > 0, f"{label}: nothing to focus"


async def tap_card(page, name: str) -> None:  # type: ignore[no-untyped-def]
    await page.click(f"button.card:has-text('{name}')")
    await page.wait_for_selector(f"button.card.picked:has-text('{name}'):not(.pending)")


async def test_every_young_person_page_at_every_size(runtime: Runtime, cast: Cast, browser) -> None:  # noqa: F811
    from domain.tablets import create_enrolment

    tablet_link = await _tablet_person(runtime, cast, "Jo")
    async with runtime.db.transaction() as session:
        enrolment = await create_enrolment(session, service_name=cast.service_name, unit="Oak",
                                           now=runtime.clock.now(),
                                           public_url=runtime.settings.public_url)
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True,
                                            has_touch=True)
        page = await context.new_page()
        try:
            await page.goto(base + "/")
            await check_page(page, "front")
            await page.goto(base + "/j/not-a-real-code")
            await check_page(page, "link not working", title="This link isn't working")
            invite = base + web_path(cast.young_person_codes["web_link"])
            await page.goto(invite + "?kind=pictures")
            await check_page(page, "picture PIN setup", title="Make your PIN")
            names = await page.locator(".pin-grid").first.locator("button").evaluate_all(
                "bs => bs.map(b => b.getAttribute('aria-label'))")
            assert names == ["sun", "moon", "star", "heart", "tree", "fish", "house", "flower",
                             "ball"]
            await page.goto(invite)
            await check_page(page, "PIN setup", title="Make your PIN")
            await focus_rings_are_clear(page, "PIN setup")
            await page.fill("#pin", "2468")
            await page.fill("#pin2", "2468")
            await page.click("text=Save my PIN")
            await page.wait_for_selector("text=Your PIN is saved")
            await check_page(page, "my link", title="Your own link")
            personal = await page.locator(".link-box a").inner_text()
            await page.click("text=Go to my check-in")
            await page.wait_for_selector("text=OK, let's go")
            await check_page(page, "welcome", title="Welcome")
            # The welcome's heading is its greeting; its points are a list, not headings.
            assert "This is Heard" in await page.locator("h1").inner_text()
            assert await page.locator(".points li").count() >= 4
            assert await page.locator("h1:has-text('skip anything'), h2:has-text('skip anything'),"
                                      " .lead:has-text('skip anything')").count() == 0
            await page.click("text=OK, let's go")
            await page.wait_for_selector("text=Show how I feel")
            await check_page(page, "home", title="What would you like to do?")
            await page.click("text=Show how I feel")
            await page.wait_for_selector("button.card")
            await check_page(page, "cards", title="How are you feeling?")
            await focus_rings_are_clear(page, "cards")
            await tap_card(page, "Embarrassed")
            await check_page(page, "cards with one picked", title="How are you feeling?")
            if SHOOT:  # 390 px: web-phone.png, from test_browser.py
                await page.set_viewport_size({"width": 195, "height": 422})
                await page.locator("button.card:has-text('Embarrassed')").scroll_into_view_if_needed()
                await page.screenshot(path=str(DOCS / "web-cards-195.png"))
                await page.set_viewport_size(PHONE)
            await page.click("button:has-text('Done')")
            await page.wait_for_selector("text=A lot")
            await check_page(page, "amount", title="How much?")
            await page.click("text=A lot")
            await page.wait_for_selector("text=Just sit with me")
            await check_page(page, "help", title="What would help?")
            await page.click("text=Just sit with me")
            await page.wait_for_selector("textarea[name=words]")
            await check_page(page, "words", title="A few words")
            await page.click("button:has-text('Skip')")
            await page.wait_for_selector("text=Thank you. Alex will see this.")
            await check_page(page, "thank you", title="What would you like to do?")
            # Their own history, and getting ready for a review.
            await page.click("a:has-text(\"What I've said\")")
            await page.wait_for_selector(".month-grid")
            await check_page(page, "what I've said", title="What I've said")
            await focus_rings_are_clear(page, "what I've said")
            await page.click("text=Back to Heard")
            await page.click("text=Getting ready for my review")
            await page.wait_for_selector("text=Let's start")
            await check_page(page, "review start")
            await page.click("text=Not now")
            await page.wait_for_selector("text=Show how I feel")
            await page.click("a:has-text('My data')")
            await page.wait_for_selector("h1:has-text('My data')")
            await check_page(page, "my data", title="My data")
            await focus_rings_are_clear(page, "my data")
            await page.goto(base + "/me")
            await page.wait_for_selector("text=Show how I feel")
            await page.click("text=Show how I feel")
            await page.click("button.card:has-text('I need help now')")
            await page.wait_for_selector(".urgent .crisis")
            await check_page(page, "crisis", title="Talk to someone now")
            assert await page.locator("h1.crisis-title").count() == 1
            await focus_rings_are_clear(page, "crisis")
            if SHOOT:  # 390 px: web-crisis.png, from test_crisis_browser.py
                await page.set_viewport_size({"width": 195, "height": 422})
                await page.evaluate("window.scrollTo(0, 0)")
                await page.screenshot(path=str(DOCS / "web-crisis-195.png"))
                await page.set_viewport_size(PHONE)
            await page.click("button:has-text(\"I've finished\")")
            await page.wait_for_selector("text=See you next time")
            await check_page(page, "bye", title="See you next time")
            await page.goto(base + web_path(personal))
            await check_page(page, "PIN", title="Type your PIN")

            # A unit tablet: setting it up, the faces, a PIN, a wrong PIN.
            await context.clear_cookies()
            helper = await browser.new_context(viewport=PHONE)
            await _set_pin_on(await helper.new_page(), base, tablet_link, "3972")
            await helper.close()
            await page.set_viewport_size(TABLET)
            await page.goto(base + web_path(enrolment["enrol_url"]))
            await check_page(page, "enrol", title="Set up this tablet")
            await page.click("button:has-text('Set up this tablet')")
            await page.wait_for_selector(".face")
            await check_page(page, "tablet start", title="Who is checking in?")
            await page.click(".face:has-text('Jo')")
            await page.wait_for_selector("#pin")
            await check_page(page, "tablet PIN", title="Type your PIN")
            refresh = await page.locator("noscript").first.inner_html()
            assert 'content="60; url=/t"' in refresh
            await page.fill("#pin", "0000")
            await page.click("button:has-text('Go')")
            await page.wait_for_selector("text=That PIN isn't right")
            await check_page(page, "wrong PIN", title="Type your PIN")
        finally:
            await context.close()


async def test_keyboard_only_check_in_keeps_the_place(runtime: Runtime, cast: Cast, browser) -> None:  # noqa: F811
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        try:
            await _set_pin_on(page, base, str(cast.young_person_codes["web_link"]), "2468")
            await page.goto(base + "/me")

            async def tab_to(text: str, limit: int = 40) -> int:
                for n in range(1, limit + 1):
                    await page.keyboard.press("Tab")
                    if (await page.evaluate("document.activeElement.innerText || ''")).strip() \
                            == text:
                        return n
                raise AssertionError(f"{text!r} cannot be reached with Tab")

            await tab_to("OK, let's go")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=Show how I feel")
            await tab_to("Show how I feel")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("button.card")
            cards = await page.locator("button.card").evaluate_all("bs => bs.map(b => b.id)")
            first = cards[0]
            for _ in range(40):
                await page.keyboard.press("Tab")
                if await page.evaluate("document.activeElement.id") == first:
                    break
            else:
                raise AssertionError("the first card cannot be reached with Tab")
            picked = []
            for index in (0, 2, 5):
                target = cards[index]
                if picked:
                    for tabs in range(1, 5):
                        await page.keyboard.press("Tab")
                        if await page.evaluate("document.activeElement.id") == target:
                            break
                    else:
                        raise AssertionError(f"{target} is more than 4 tabs after {picked[-1]}")
                await page.keyboard.press("Space")
                await page.wait_for_selector(f"#{target}.picked:not(.pending)")
                # The focus is still on the card tapped, and the Done bar does not hide it.
                assert await page.evaluate("document.activeElement.id") == target
                card = await page.locator(f"#{target}").bounding_box()
                bar = await page.locator(".done-bar").bounding_box()
                assert card and bar and card["y"] >= 0
                assert card["y"] + card["height"] <= bar["y"] + 1, (card, bar)
                picked.append(target)
            await tab_to("Done")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=A lot")
            await tab_to("A lot")
            await page.keyboard.press("Space")
            await page.wait_for_selector("text=Just sit with me")
            await tab_to("Just sit with me")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("textarea[name=words]")
            await tab_to("Skip")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=Thank you. Alex will see this.")
        finally:
            await context.close()


async def test_without_javascript_a_tap_comes_back_to_the_card(
    runtime: Runtime, cast: Cast, browser  # noqa: F811
) -> None:
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = await context.new_page()
        try:
            await _set_pin_on(page, base, str(cast.young_person_codes["web_link"]), "2468")
            await page.click("text=Go to my check-in")
            await page.click("text=OK, let's go")
            await page.click("text=Show how I feel")
            await page.click("button.card:has-text('Bored')")
            await page.wait_for_selector("button.card.picked:has-text('Bored')")
            assert page.url.endswith("/me#card-bored")
            box = await page.locator("#card-bored").bounding_box()
            assert box and 0 <= box["y"] < PHONE["height"]
            assert await page.evaluate("window.scrollY") > 0  # not back at the top
            # Tab carries on from the card tapped.
            await page.keyboard.press("Tab")
            following = await page.evaluate("document.activeElement.id")
            ids = await page.locator("button.card").evaluate_all("bs => bs.map(b => b.id)")
            assert following == ids[ids.index("card-bored") + 1]
        finally:
            await context.close()


VOICES = """(voices) => {
  const list = voices.map(([lang, name]) => ({ lang, name, default: false, localService: true,
                                                voiceURI: name }));
  window.__spoken = [];
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
  speechSynthesis.getVoices = () => list;
  speechSynthesis.speak = (u) => window.__spoken.push({ lang: u.lang, voice: u.voice && u.voice.name });
  setTimeout(() => speechSynthesis.dispatchEvent(new Event('voiceschanged')), 0);
}"""


@pytest.mark.parametrize("voices, reads", [
    ([["fr-FR", "Amélie"], ["en-GB", "Daniel"]], "Daniel"),
    ([["fr-FR", "Amélie"], ["ar-SA", "Maged"]], None),
])
async def test_read_it_to_me_only_in_the_pages_language(
    runtime: Runtime, cast: Cast, browser, voices, reads  # noqa: F811
) -> None:
    async with live_server(runtime) as base:
        context = await browser.new_context(viewport=PHONE)
        # The device's voices are the device's own; here the page is told which it has.
        await context.add_init_script(f"({VOICES})({voices!r})")
        page = await context.new_page()
        try:
            await page.goto(base + "/")
            button = page.locator("[data-say-button]")
            why = page.locator("[data-no-voice]")
            if reads:
                await button.wait_for(state="visible")
                assert await why.is_hidden()
                await button.click()
                spoken = await page.evaluate("window.__spoken")
                assert spoken == [{"lang": "en-GB", "voice": reads}]
            else:
                await why.wait_for(state="visible")
                assert "no voice for this language" in await why.inner_text()
                assert await button.is_hidden()
        finally:
            await context.close()


async def test_icon_and_manifest(client) -> None:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from PIL import Image

    response = await client.get("/manifest.webmanifest")
    assert response.status == 200
    assert response.content_type == "application/manifest+json"
    manifest = await response.json()
    assert manifest["name"] == "Heard" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/me" and manifest["theme_color"].startswith("#")
    for entry in manifest["icons"]:
        icon = await client.get(entry["src"])
        assert icon.status == 200 and icon.content_type == "image/png"
        picture = Image.open(BytesIO(await icon.read()))
        assert f"{picture.width}x{picture.height}" == entry["sizes"]
        # Drawn, not blank: the card's ground and its face differ.
        assert len(picture.convert("RGB").getcolors(maxcolors=1 << 16) or ()) > 10
    assert (await client.get("/favicon.ico")).status == 200
    assert (await client.get("/icons/33.png")).status == 404
    page = await (await client.get("/")).text()
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'rel="icon" href="/icons/32.png"' in page
