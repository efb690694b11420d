"""Signing in through the real form, in Chromium, and the skip link, with axe on every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, check_page, log_in, screenshot
from tests.conftest import Cast
from tests.factories import PASSWORD


def test_sign_in_lands_on_the_home_page(page: Page, cast: Cast) -> None:
    page.goto(reverse("accounts:login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, "login")

    page.get_by_label("Username").fill(cast.alice.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("core:home")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
    expect(page.get_by_role("region", name="Needs your attention")).to_be_visible()
    check_page(page, "home")


def test_wrong_password_is_explained_on_the_sign_in_page(page: Page, cast: Cast) -> None:
    log_in(page, cast.alice.username, password="not the password")

    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login"))))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value(cast.alice.username)
    check_page(page, "login-wrong-password")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page, cast: Cast) -> None:
    log_in(page, cast.ada.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # visually hidden until it has focus
    screenshot(page, "home-skip-link-focused")

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab continues from main, not from the top of the page.
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main, "After the skip link, Tab should move to the first link in main."


def test_the_axe_helper_fails_on_a_violation(page: Page, cast: Cast) -> None:
    """Guards the guard: axe really runs, under the site's Content-Security-Policy."""
    page.goto(reverse("accounts:login"))
    page.evaluate(
        """() => {
            const image = document.createElement("img");
            image.src = "/static/waypoint/favicon.svg";
            document.querySelector("main").append(image);
        }"""
    )
    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        assert_accessible(page)
