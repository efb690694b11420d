"""Every page of the monitoring app that the journey (test_monitoring_journey.py) does not visit,
tried in the browser as the people who use it, with axe on each: the reviews due and the review
calendar, outcomes and impact, compliance and subsidy, the programme's monitoring settings,
concerns step by step, programme changes and the client's self-review links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.helpers import check_page, log_in
from tests.clients.factories import ClientFactory
from tests.conftest import Cast
from tests.delivery.factories import AgreementFactory, EngagementFactory, ProgrammeFactory
from waypoint.delivery.models import Agreement, Engagement
from waypoint.delivery.services.action_plans import action_add, goal_add, plan_start
from waypoint.monitoring.models import (
    ComplianceReport,
    Concern,
    ConcernAction,
    Grant,
    MonitoringSettings,
    OutcomeFollowUp,
    OutcomeMeasure,
    OutcomeValue,
    ProgrammeChange,
    SelfReviewLink,
)
from waypoint.monitoring.services import concerns as concern_services
from waypoint.monitoring.services import self_reviews as link_services


def _heading(page: Page) -> Any:
    return expect(page.get_by_role("heading", level=1))


def _world(cast: Cast, *, name: str = "Harbour Coffee Roasters") -> dict[str, Any]:
    """Northshire's growth programme delivered by the hub; a client whose four-weekly review
    was due 12 days ago, with a plan of one goal and one action."""
    growth = ProgrammeFactory(organisation=cast.northshire, name="Northshire Growth")
    growth.delivering_organisations.set([cast.hub])
    client = ClientFactory(organisation=cast.hub, name=name)
    today = timezone.localdate()
    engagement = EngagementFactory(
        organisation=cast.hub,
        client=client,
        programme=growth,
        lead_adviser=cast.alice,
        enquiry_date=today - dt.timedelta(days=400),
    )
    AgreementFactory(
        engagement=engagement,
        status=Agreement.Status.ACCEPTED,
        accepted_at=timezone.now() - dt.timedelta(days=40),
        accepted_via=Agreement.AcceptedVia.IN_PERSON,
        review_every=4,
        review_unit="weeks",
    )
    plan = plan_start(engagement=engagement, title="", acting_user=cast.alice)
    goal = goal_add(
        plan=plan,
        acting_user=cast.alice,
        statement="Know the cash position a year ahead",
        measure="months forecast ahead",
        baseline=Decimal("0"),
        target_value=Decimal("12"),
        unit="months",
        deadline=today + dt.timedelta(days=180),
    )
    action_add(
        goal=goal,
        acting_user=cast.alice,
        description="Build a 12-month cash-flow forecast",
        due_on=today + dt.timedelta(days=21),
    )
    return {"programme": growth, "client": client, "engagement": engagement}


def _close(engagement: Engagement, days_ago: int) -> None:
    Engagement.objects.filter(pk=engagement.pk).update(
        status=Engagement.Status.CLOSED,
        end_reason="completed",
        closed_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    engagement.refresh_from_db()


def test_reviews_due_the_engagements_reviews_and_the_calendar(page: Page, cast: Cast) -> None:
    world = _world(cast)
    engagement = world["engagement"]
    log_in(page, cast.mary.username)

    page.goto(reverse("monitoring:reviews-due"))
    _heading(page).to_have_text("Reviews due")
    expect(page.get_by_text("No reviews match.")).to_be_visible()  # Mary leads none herself
    page.locator("#id_view").select_option("team")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("of engagements led by people in your team")).to_be_visible()
    check_page(page, "monitoring-pages-reviews-due-team")
    page.locator("#id_view").select_option("organisation")
    page.locator("#id_state").select_option("overdue")
    page.locator("#id_within").select_option("28")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("cell", name="Harbour Coffee Roasters")).to_be_visible()
    expect(page.get_by_text("Overdue: was due on")).to_be_visible()
    check_page(page, "monitoring-pages-reviews-due-organisation")

    page.goto(reverse("monitoring:engagement-reviews", args=[engagement.pk]))
    _heading(page).to_have_text("Reviews of Harbour Coffee Roasters")
    expect(page.get_by_role("link", name="Record a review", exact=True)).to_be_visible()
    check_page(page, "monitoring-pages-engagement-reviews")

    page.context.clear_cookies()
    log_in(page, cast.alice.username)
    page.goto(reverse("monitoring:calendar"))
    _heading(page).to_have_text("Your review calendar")
    expect(page.get_by_text("Harbour Coffee Roasters").first).to_be_visible()
    check_page(page, "monitoring-pages-review-calendar")


def test_outcomes_measures_impact_and_follow_ups(page: Page, cast: Cast) -> None:
    world = _world(cast)
    engagement = world["engagement"]
    programme = world["programme"]
    _close(engagement, days_ago=350)  # the 6-month follow-up is overdue, the 12-month near

    # The commissioner's contract manager gives the programme its default measures.
    log_in(page, cast.carl.username)
    page.goto(reverse("monitoring:outcome-measures", args=[programme.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcome measures")
    check_page(page, "monitoring-pages-outcome-measures-empty")
    page.get_by_role("button", name="Add the default measures").click()
    expect(page.get_by_text("default measures added.")).to_be_visible()
    check_page(page, "monitoring-pages-outcome-measures")
    measures = list(OutcomeMeasure.objects.filter(programme=programme, audience="business"))
    assert measures
    turnover = OutcomeMeasure.objects.get(programme=programme, key="turnover")

    # The adviser records the baseline and the follow-ups of the closed engagement.
    page.context.clear_cookies()
    log_in(page, cast.alice.username)
    page.goto(reverse("monitoring:engagement-outcomes", args=[engagement.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes and impact")
    check_page(page, "monitoring-pages-outcomes-baseline-form")
    page.locator(f"#id_m{turnover.pk}_value").fill("100000")
    page.get_by_role("button", name="Save the baseline").click()
    expect(page.get_by_text("Baseline recorded for 1 measure.")).to_be_visible()
    assert OutcomeValue.objects.get(
        engagement=engagement, measure=turnover, follow_up__isnull=True
    ).value == Decimal("100000")
    page.get_by_role("button", name="Schedule the follow-ups").click()
    expect(page.get_by_text("Follow-ups scheduled at 6 and 12 months.")).to_be_visible()
    check_page(page, "monitoring-pages-outcomes-follow-ups-scheduled")
    six = OutcomeFollowUp.objects.get(engagement=engagement, months_after=6)
    form = page.locator(f'form[action$="/outcomes/follow-ups/{six.pk}/record/"]')
    # With many measures each one is folded away: open turnover by its name.
    form.locator("summary", has_text="Turnover").click()
    form.locator(f"#id_fu{six.pk}-m{turnover.pk}_value").fill("160000")
    form.locator(f"#id_fu{six.pk}-m{turnover.pk}_attribution").fill("50")
    form.locator(f"#id_fu{six.pk}-m{turnover.pk}_deadweight").fill("20")
    form.locator(f"#id_fu{six.pk}-m{turnover.pk}_displacement").fill("10")
    form.get_by_role("button", name="Save the 6-month figures").click()
    expect(page.get_by_text("is recorded.")).to_be_visible()
    expect(page.get_by_text("£21,600").first).to_be_visible()
    check_page(page, "monitoring-pages-outcomes-follow-up-recorded")
    six.refresh_from_db()
    assert six.completed_on is not None
    value = OutcomeValue.objects.get(follow_up=six, measure=turnover)
    assert value.value == Decimal("160000") and value.attribution == 50

    # The 12-month follow-up, due within the month, is in the list of follow-ups due.
    page.goto(reverse("monitoring:outcome-follow-ups"))
    _heading(page).to_have_text("Outcome follow-ups due")
    page.locator("#id_within").select_option("31")
    page.get_by_role("button", name="Apply").click()
    row = page.get_by_role("row").filter(has_text="Harbour Coffee Roasters")
    expect(row.get_by_role("cell", name="12 months after closure")).to_be_visible()
    check_page(page, "monitoring-pages-outcome-follow-ups")

    # The impact of the support across the programmes.
    page.goto(reverse("monitoring:impact"))
    _heading(page).to_have_text("Impact of the support")
    page.locator("#id_programme").select_option(label="Northshire Growth")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("£21,600").first).to_be_visible()
    check_page(page, "monitoring-pages-impact")


def test_compliance_grants_support_value_and_settings(page: Page, cast: Cast) -> None:
    world = _world(cast)
    engagement = world["engagement"]
    client = world["client"]
    programme = world["programme"]
    MonitoringSettings.objects.create(
        programme=programme, organisation=programme.organisation, subsidy_limit=Decimal("5000")
    )
    log_in(page, cast.mary.username)

    # A compliance report: refused without what happened, then made; then moved on.
    page.goto(reverse("monitoring:compliance-list"))
    _heading(page).to_contain_text("Compliance")
    check_page(page, "monitoring-pages-compliance-list-empty")
    page.goto(reverse("monitoring:compliance-create") + f"?engagement={engagement.pk}")
    _heading(page).to_have_text("Report an infringement")
    check_page(page, "monitoring-pages-compliance-new")
    page.locator("#id_category").select_option("data_protection")
    page.get_by_role("button", name="Report it").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "monitoring-pages-compliance-new-error")
    assert not ComplianceReport.objects.exists()
    page.locator("#id_what_happened").fill("A client list was emailed to the wrong partner.")
    page.locator("#id_reported_to").fill("The Data Protection Officer")
    page.get_by_role("button", name="Report it").click()
    expect(page.get_by_text("Compliance report made.")).to_be_visible()
    check_page(page, "monitoring-pages-compliance-detail")
    report = ComplianceReport.objects.get()
    assert report.engagement == engagement and report.category == "data_protection"
    page.get_by_role("radio", name="Under review").check()
    page.locator("#id_lessons").fill("Check the recipients before sending a list.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Compliance report saved.")).to_be_visible()
    check_page(page, "monitoring-pages-compliance-detail-updated")
    report.refresh_from_db()
    assert report.status == ComplianceReport.Status.UNDER_REVIEW
    assert report.lessons == "Check the recipients before sending a list."
    page.get_by_role("link", name="All compliance reports").click()
    page.locator("#id_q").fill("wrong partner")
    page.locator("#id_category").select_option("data_protection")
    page.get_by_label("Not closed").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("cell", name="Harbour Coffee Roasters")).to_be_visible()
    expect(page.get_by_role("link", name=report.occurred_on.strftime("%-d %b %Y"))).to_be_visible()
    check_page(page, "monitoring-pages-compliance-list")

    # A grant over the £5,000 limit: warned, then recorded anyway and reported.
    page.goto(reverse("monitoring:grant-create", args=[engagement.pk]))
    _heading(page).to_have_text("Record a grant for Harbour Coffee Roasters")
    check_page(page, "monitoring-pages-grant-form")
    page.locator("#id_amount").fill("6000")
    page.locator("#id_description").fill("A capital grant for a roaster")
    page.get_by_role("button", name="Check the support value").click()
    expect(page.get_by_text("over the limit", exact=True)).to_be_visible()
    check_page(page, "monitoring-pages-grant-checked")
    page.get_by_role("button", name="Record the grant").click()
    expect(page.get_by_role("heading", name="Over the support limit")).to_be_visible()
    check_page(page, "monitoring-pages-grant-over-limit")
    assert not Grant.objects.exists()
    page.get_by_label("Record it anyway and report it").check()
    page.get_by_role("button", name="Record the grant").click()
    expect(page.get_by_text("recorded over the limit")).to_be_visible()
    _heading(page).to_have_text("Support value: Harbour Coffee Roasters")
    check_page(page, "monitoring-pages-support-value")
    assert Grant.objects.get().amount == Decimal("6000")
    assert ComplianceReport.objects.filter(category="subsidy_control", client=client).exists()

    page.goto(reverse("monitoring:support-near-limit"))
    expect(page.get_by_role("link", name="Harbour Coffee Roasters")).to_be_visible()
    check_page(page, "monitoring-pages-support-near-limit")

    # The programme's contract manager changes its monitoring settings.
    page.context.clear_cookies()
    log_in(page, cast.carl.username)
    page.goto(reverse("monitoring:programme-settings", args=[programme.pk]))
    _heading(page).to_have_text("Monitoring settings: Northshire Growth")
    check_page(page, "monitoring-pages-settings")
    page.locator("#id_adviser_hourly_rate").fill("85.50")
    page.locator("#id_follow_up_months").fill("6,12,24")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Monitoring settings of Northshire Growth saved.")).to_be_visible()
    check_page(page, "monitoring-pages-settings-saved")
    saved = MonitoringSettings.objects.get(programme=programme)
    assert saved.adviser_hourly_rate == Decimal("85.50") and saved.follow_up_months == "6,12,24"


def _step(page: Page, link: str, name: str) -> None:
    page.get_by_role("link", name=link, exact=True).click()
    check_page(page, f"monitoring-pages-concern-{name}")


def test_concerns_their_steps_and_a_programme_change(page: Page, cast: Cast) -> None:
    world = _world(cast)
    engagement = world["engagement"]
    concern = concern_services.concern_raise(
        engagement=engagement,
        acting_user=cast.alice,
        summary="The workshop dates keep moving.",
        source=Concern.Source.ADVISER,
        about=Concern.About.DELAY,
        severity=Concern.Severity.HIGH,
    )
    concern_services.concern_acknowledge(concern=concern, acting_user=cast.alice)
    log_in(page, cast.mary.username)

    # The list, filtered.
    page.goto(reverse("monitoring:concern-list"))
    _heading(page).to_have_text("Concerns")
    page.locator("#id_severity").select_option("high")
    page.locator("#id_about").select_option("delay")
    page.locator("#id_q").fill("workshop")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name="The workshop dates keep moving.")).to_be_visible()
    check_page(page, "monitoring-pages-concern-list-filtered")

    # A concern about the programme as a whole.
    page.goto(reverse("monitoring:concern-create-programme"))
    _heading(page).to_have_text("Raise a concern about a programme")
    check_page(page, "monitoring-pages-concern-programme-form")
    page.locator("#id_programme").select_option(label="Northshire Growth")
    page.locator("#id_about").select_option("service")
    page.locator("#id_summary").fill("Referral partners wait weeks for the programme's forms.")
    page.get_by_role("button", name="Raise the concern").click()
    expect(page.get_by_text("Concern raised.")).to_be_visible()
    check_page(page, "monitoring-pages-concern-programme-raised")
    programme_wide = Concern.objects.get(engagement__isnull=True)
    assert programme_wide.programme == world["programme"]
    assert programme_wide.source == Concern.Source.MANAGER

    # The engagement's concern, step by step.
    page.goto(concern.get_absolute_url())
    _step(page, "Assign an owner", "assign")
    page.locator("#id_owner").select_option(label=str(cast.mary))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Owner assigned.")).to_be_visible()
    _step(page, "Add an action", "action")
    page.locator("#id_description").fill("Fix the workshop dates for the quarter.")
    page.locator("#id_owner").select_option(label=str(cast.alice))
    page.locator("#id_due_on").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action added.")).to_be_visible()
    _step(page, "Resolve", "resolve")
    page.locator("#id_resolution").fill("The workshop dates are now fixed a quarter ahead.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Concern resolved.")).to_be_visible()
    _step(page, "Record telling the client", "tell-client")
    page.locator("#id_told_on").fill(timezone.localdate().isoformat())
    page.locator("#id_how").fill("By phone")
    page.get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Recorded how the client was told.")).to_be_visible()
    _step(page, "Close", "close")
    page.get_by_role("button", name="Close the concern").click()
    expect(page.get_by_text("Concern closed.")).to_be_visible()
    check_page(page, "monitoring-pages-concern-closed")
    concern.refresh_from_db()
    assert concern.status == Concern.Status.CLOSED and concern.owner == cast.mary
    assert concern.resolution and concern.client_told_how == "By phone"
    assert concern.client_satisfaction == 4
    assert ConcernAction.objects.get(concern=concern).owner == cast.alice

    # A change to the client's programme, from the concern.
    page.goto(reverse("monitoring:programme-change-create", args=[engagement.pk]))
    _heading(page).to_have_text("Record a change to Harbour Coffee Roasters's programme")
    check_page(page, "monitoring-pages-programme-change-form")
    page.locator("#id_what_changed").fill("Monthly meetings instead of fortnightly ones.")
    page.locator("#id_why").fill("The client's workload over the summer.")
    page.locator("#id_effective_from").fill(timezone.localdate().isoformat())
    page.locator("#id_concern").select_option(str(concern.pk))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Programme change recorded.")).to_be_visible()
    change = ProgrammeChange.objects.get(engagement=engagement)
    assert change.concern == concern and change.agreed_with_client


def test_self_review_links_revoked_and_expired(
    page: Page, cast: Cast, browser: Browser, live_server: LiveServer
) -> None:
    world = _world(cast)
    engagement = world["engagement"]
    revoked, revoked_token = link_services.link_create(
        engagement=engagement, acting_user=cast.alice
    )
    expired, expired_token = link_services.link_create(
        engagement=engagement, acting_user=cast.alice
    )
    SelfReviewLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    log_in(page, cast.alice.username)

    page.goto(reverse("monitoring:engagement-self-reviews", args=[engagement.pk]))
    _heading(page).to_have_text("Client self-review: Harbour Coffee Roasters")
    expect(page.get_by_text("Expired", exact=True)).to_be_visible()
    check_page(page, "monitoring-pages-self-review-links-two")
    page.get_by_role("link", name="Revoke the link made").click()
    _heading(page).to_have_text("Revoke the client's self-review link")
    check_page(page, "monitoring-pages-self-review-link-revoke")
    page.get_by_role("button", name="Revoke the link").click()
    expect(page.get_by_text("Link revoked: it no longer works.")).to_be_visible()
    check_page(page, "monitoring-pages-self-review-links-revoked")
    revoked.refresh_from_db()
    assert revoked.revoked_at is not None

    # The client's pages, in a context of their own: the browser logs their 410 answers as
    # failed loads, which the ``page`` fixture would count as page errors.
    problems: list[str] = []
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        client_page = context.new_page()
        client_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        client_page.on("pageerror", lambda error: problems.append(str(error)))
        response = client_page.goto(reverse("monitoring:self-review-signed", args=[revoked_token]))
        assert response is not None and response.status == 410
        _heading(client_page).to_have_text("This link has been withdrawn")
        check_page(client_page, "monitoring-pages-self-review-revoked")
        response = client_page.goto(reverse("monitoring:self-review-signed", args=[expired_token]))
        assert response is not None and response.status == 410
        _heading(client_page).to_have_text("This link has expired")
        check_page(client_page, "monitoring-pages-self-review-expired")
    finally:
        context.close()
    assert [p for p in problems if "status of 410" not in p] == []
