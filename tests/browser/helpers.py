"""What browser tests share: signing in through the real form, axe-core, screenshots."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_DIR / "var" / "screenshots"  # var/ is git-ignored

# WCAG 2.2 AA (axe tags the success criteria by the version that introduced them) and axe's
# best practices. Every violation fails the test: nothing is ignored.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form, as a person would; wait for the next page."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


_SHOWN = re.compile(r"(^|\s)show(\s|$)")


def open_nav(page: Page, group: str | None, item: str) -> None:
    """Follow a link of the main menu as a person would: on a narrow screen show the menu, open
    the item's group (None: a plain link on the menu bar), click the item; wait for its page."""
    nav = page.get_by_role("navigation", name="Main")
    show_menu = nav.get_by_role("button", name="Show or hide the menu")
    if show_menu.is_visible():
        show_menu.click()
        expect(show_menu).to_have_attribute("aria-expanded", "true")
        expect(nav.locator(".navbar-collapse")).to_have_class(_SHOWN)  # opened, not opening
    if group is not None:
        toggle = nav.get_by_role("button", name=group, exact=True)
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    link = nav.get_by_role("link", name=item, exact=True)
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']} <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now; fail listing every violation."""
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    if violations:
        raise AssertionError(
            f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + describe_violations(violations)
        )


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to var/screenshots/<name>.png for people to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page: Page, name: str) -> None:
    """Screenshot the page (first, so a failing page can still be looked at), then run axe."""
    expect(page.locator("h1")).to_have_count(1)
    screenshot(page, name)
    assert_accessible(page)


# WCAG 2.2 1.4.11 (non-text contrast, AA): what identifies a form control, its border or its
# fill, needs 3:1 against what is next to it. axe-core does not check this.
_CONTROL_CONTRAST_JS = (Path(__file__).parent / "control_contrast.js").read_text()


def controls_without_visible_boundary(page: Page) -> list[str]:
    """Visible form controls whose border and fill both contrast less than 3:1 with the page."""
    return list(page.evaluate(_CONTROL_CONTRAST_JS))
