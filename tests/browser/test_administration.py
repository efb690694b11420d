"""An administrator's pages in Chromium: what they show, the forms that change things, and axe."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, controls_without_visible_boundary, log_in
from tests.conftest import Cast
from waypoint.core.models import RolePolicy, Team
from waypoint.core.roles import Role


@pytest.fixture
def ada_page(page: Page, cast: Cast) -> Page:
    log_in(page, cast.ada.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    return page


def test_organisations_and_people(ada_page: Page, cast: Cast) -> None:
    page = ada_page
    page.goto(reverse("core:organisation-list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    expect(page.get_by_role("link", name=cast.hub.name)).to_be_visible()
    check_page(page, "organisation-list")

    page.get_by_role("link", name=cast.hub.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cast.hub.name)
    expect(page.get_by_role("link", name="Start-up")).to_be_visible()
    check_page(page, "organisation-detail")

    page.goto(reverse("core:person-list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    check_page(page, "person-list")

    page.get_by_role("link", name=cast.alice.get_full_name()).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(str(cast.alice))
    expect(page.get_by_role("cell", name="Adviser", exact=True)).to_be_visible()
    check_page(page, "person-detail")


def test_create_a_team_then_see_it_and_its_history(ada_page: Page, cast: Cast) -> None:
    page = ada_page
    page.goto(reverse("core:team-list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    check_page(page, "team-list")

    page.get_by_role("link", name="New team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New team")
    check_page(page, "team-create")
    page.get_by_label("Name").fill("Growth advisers")
    page.get_by_label("Description").fill("Advisers for businesses past their second year.")
    page.get_by_role("button", name="Save").click()

    team = Team.objects.get(name="Growth advisers")
    assert team.organisation == cast.hub
    expect(page).to_have_url(re.compile(re.escape(reverse("core:team-detail", args=[team.pk]))))
    expect(page.get_by_role("heading", level=1)).to_have_text("Growth advisers")
    expect(page.get_by_role("status")).to_contain_text("Team Growth advisers created.")
    check_page(page, "team-detail")

    page.goto(reverse("core:team-list"))
    expect(page.get_by_role("link", name="Growth advisers")).to_be_visible()

    page.goto(reverse("core:team-detail", args=[team.pk]))
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("core:audit-history", args=["core", "team", team.pk])))
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    expect(page.get_by_role("cell", name="Create", exact=True)).to_be_visible()
    check_page(page, "audit-history-team")


def test_security_settings_require_two_factor_for_a_role(ada_page: Page, cast: Cast) -> None:
    page = ada_page
    page.goto(reverse("core:organisation-detail", args=[cast.hub.pk]))
    page.get_by_role("link", name="Security settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Security settings")
    check_page(page, "organisation-security")

    # Advisers, not administrators: ada would otherwise be sent to set up two-factor sign-in.
    page.get_by_role("checkbox", name="Adviser", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Security settings saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(cast.hub.name)
    check_page(page, "organisation-security-saved")
    assert RolePolicy.objects.filter(
        organisation=cast.hub, role=Role.ADVISER, require_two_factor=True
    ).exists()


def test_two_factor_setup_shows_a_qr_code(ada_page: Page) -> None:
    page = ada_page
    page.goto(reverse("accounts:two-factor-setup"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr_code = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr_code).to_be_visible()
    loaded = qr_code.evaluate("image => image.complete && image.naturalWidth > 0")
    assert loaded, "The QR code image did not load (blocked by the Content-Security-Policy?)"
    expect(page.get_by_label("Six-digit code from your authenticator app")).to_be_visible()
    check_page(page, "two-factor-setup")


def test_team_form_errors_are_listed_and_accessible(ada_page: Page) -> None:
    page = ada_page
    page.goto(reverse("core:team-create"))
    page.get_by_role("button", name="Save").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the following")
    expect(summary).to_be_focused()  # waypoint.js moves focus to the summary
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    check_page(page, "team-create-errors")  # before the pointer hovers over (and recolours) a link

    summary.get_by_role("link", name="Name: This field is required.").click()
    expect(page.get_by_label("Name")).to_be_focused()


def test_people_filters_are_labelled(ada_page: Page) -> None:
    page = ada_page
    page.goto(reverse("core:person-list"))
    labels = [" ".join(text.split()) for text in page.locator("main label").all_inner_texts()]
    assert "[invalid name]" not in labels, labels
    assert {"Organisation", "Role"} <= set(labels), labels


def test_form_controls_have_visible_boundaries(ada_page: Page, cast: Cast) -> None:
    page = ada_page
    problems = []
    for url in (
        reverse("core:team-create"),
        reverse("core:organisation-security", args=[cast.hub.pk]),
        reverse("core:person-list"),
    ):
        page.goto(url)
        problems += [f"{url} {problem}" for problem in controls_without_visible_boundary(page)]
    assert not problems, "\n".join(problems)
