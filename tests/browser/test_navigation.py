"""The main menu in Chromium: its groups open from the keyboard, the current page is marked, the
narrow-screen menu still opens; axe on the pages with a menu open."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.helpers import assert_accessible, check_page, log_in, open_nav, screenshot
from tests.conftest import Cast

_ACTIVE = re.compile(r"(^|\s)active(\s|$)")


def _focused_text(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement.textContent.trim()"))


def test_a_keyboard_user_opens_a_menu_and_follows_a_link(page: Page, cast: Cast) -> None:
    log_in(page, cast.mary.username)
    nav = page.get_by_role("navigation", name="Main")
    monitoring = nav.get_by_role("button", name="Monitoring", exact=True)
    expect(monitoring).to_have_attribute("aria-expanded", "false")

    # Tab from the top of the page to the Monitoring menu (skip link, brand, Home, menus...).
    for _ in range(12):
        page.keyboard.press("Tab")
        if _focused_text(page) == "Monitoring":
            break
    expect(monitoring).to_be_focused()

    page.keyboard.press("Enter")
    expect(monitoring).to_have_attribute("aria-expanded", "true")
    concerns = nav.get_by_role("link", name="Concerns", exact=True)
    expect(concerns).to_be_visible()
    screenshot(page, "navigation-menu-open")
    assert_accessible(page)

    # Escape closes the menu and gives the focus back to its button.
    page.keyboard.press("Escape")
    expect(monitoring).to_have_attribute("aria-expanded", "false")
    expect(concerns).to_be_hidden()
    expect(monitoring).to_be_focused()

    # Open it again and go down the list with the arrow keys to Concerns.
    page.keyboard.press("Enter")
    for _ in range(6):
        page.keyboard.press("ArrowDown")
        if _focused_text(page) == "Concerns":
            break
    expect(concerns).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
    assert page.url.endswith(reverse("monitoring:concern-list"))
    # The current page is marked in its menu, and its menu's button is shown as active.
    expect(nav.locator('a[aria-current="page"]')).to_have_text("Concerns")
    expect(monitoring).to_have_class(_ACTIVE)
    expect(nav.get_by_role("button", name="Clients", exact=True)).not_to_have_class(_ACTIVE)
    check_page(page, "navigation-concerns")


def test_the_menu_works_on_a_narrow_screen(page: Page, cast: Cast) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, cast.alice.username)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Clients", exact=True)).to_be_hidden()

    open_nav(page, "Clients", "Referrals")

    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    show_menu = nav.get_by_role("button", name="Show or hide the menu")
    show_menu.click()
    expect(nav.locator(".navbar-collapse")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    clients = nav.get_by_role("button", name="Clients", exact=True)
    expect(clients).to_have_class(_ACTIVE)
    clients.click()
    expect(nav.get_by_role("link", name="Referrals", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    check_page(page, "navigation-narrow-open")


def test_a_person_without_a_role_has_plain_links(page: Page, cast: Cast) -> None:
    log_in(page, cast.oscar.username)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("button.dropdown-toggle")).to_have_count(0)
    expect(nav.get_by_role("button", name="Organisation", exact=True)).to_have_count(0)

    open_nav(page, None, "People")

    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    check_page(page, "navigation-plain-links")


def test_without_javascript_the_menus_open_on_focus(
    browser: Browser, live_server: LiveServer, cast: Cast
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, cast.mary.username)
        nav = page.get_by_role("navigation", name="Main")
        # The narrow-screen menu is shown, since nothing could open it.
        expect(nav.get_by_role("button", name="Show or hide the menu")).to_be_hidden()
        monitoring = nav.get_by_role("button", name="Monitoring", exact=True)
        concerns = nav.get_by_role("link", name="Concerns", exact=True)
        expect(concerns).to_be_hidden()
        monitoring.focus()
        expect(concerns).to_be_visible()
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name="Reviews due", exact=True)).to_be_focused()
        concerns.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
    finally:
        context.close()
