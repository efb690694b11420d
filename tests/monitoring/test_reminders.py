"""Reminders by email (issue 5 items 1 and 4): reviews coming due and overdue, outcome
follow-ups; each sent once, to the lead adviser, by the system account; the command and the
django-q schedule."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from tests.delivery.factories import AgreementFactory
from tests.permissions import audit_entries_for
from waypoint.core.audit import system_user
from waypoint.delivery.models import Agreement, Engagement
from waypoint.monitoring import tasks
from waypoint.monitoring.models import (
    MonitoringSettings,
    OutcomeFollowUp,
    ReminderSent,
    Review,
)
from waypoint.monitoring.reminders import (
    FOLLOW_UP,
    NO_ADDRESS,
    REVIEW_DUE,
    REVIEW_OVERDUE,
    send_due_reminders,
)
from waypoint.monitoring.selectors_reviews import review_schedule

ACCEPTED_AT = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def accept(agreement: Agreement) -> Agreement:
    agreement.status = Agreement.Status.ACCEPTED
    agreement.accepted_at = ACCEPTED_AT
    agreement.accepted_via = Agreement.AcceptedVia.IN_PERSON
    agreement.save()
    return agreement


@pytest.fixture
def alice_due(desk) -> dt.date:
    """Alice's engagement with an accepted four-weekly agreement: the review's due date."""
    accept(desk.agreement)
    schedule = review_schedule(desk.alice_engagement, on=ACCEPTED_AT.date())
    assert schedule.next_due == dt.date(2026, 6, 29)  # accepted 1 June + 4 weeks
    return schedule.next_due


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def _run(today: dt.date) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(today=today)

    return _run


# Reviews ---------------------------------------------------------------------------------------


def test_a_review_coming_due_is_reminded_once_to_the_lead_adviser(cast, desk, alice_due, run):
    days = MonitoringSettings._meta.get_field("remind_days_before").default
    assert run(alice_due - dt.timedelta(days=days + 1))[REVIEW_DUE] == 0
    assert mail.outbox == []

    counts = run(alice_due - dt.timedelta(days=days))
    assert counts[REVIEW_DUE] == 1
    assert counts[REVIEW_OVERDUE] == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.alice.email]
    assert "Acme Widgets Ltd" in message.subject
    assert "Acme Widgets Ltd" in message.body
    assert "29 June 2026" in message.body
    assert f"http://127.0.0.1:8000/delivery/engagements/{desk.alice_engagement.pk}/" in (
        message.body
    )

    # The next day, and a second run the same day: nothing more.
    assert run(alice_due - dt.timedelta(days=days))[REVIEW_DUE] == 0
    assert run(alice_due)[REVIEW_DUE] == 0
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(kind=REVIEW_DUE, to=cast.alice.email).count() == 1


def test_the_link_uses_the_base_url_setting(cast, desk, alice_due, run, settings):
    settings.WAYPOINT_BASE_URL = "https://waypoint.example.org/"
    run(alice_due)
    assert (
        f"https://waypoint.example.org/delivery/engagements/{desk.alice_engagement.pk}/"
        in mail.outbox[0].body
    )


def test_the_programme_chooses_how_early_to_remind(cast, desk, alice_due, run):
    MonitoringSettings.objects.create(
        programme=desk.growth, organisation=desk.growth.organisation, remind_days_before=10
    )
    assert run(alice_due - dt.timedelta(days=11))[REVIEW_DUE] == 0
    assert run(alice_due - dt.timedelta(days=10))[REVIEW_DUE] == 1


def test_an_overdue_review_is_reminded_once_after_the_window(cast, desk, alice_due, run):
    window_end = review_schedule(desk.alice_engagement, on=alice_due).window_end
    assert window_end == alice_due + dt.timedelta(days=7)
    run(alice_due)  # the "coming due" reminder
    assert run(window_end)[REVIEW_OVERDUE] == 0  # the last day on time

    counts = run(window_end + dt.timedelta(days=1))
    assert counts == {REVIEW_DUE: 0, REVIEW_OVERDUE: 1, FOLLOW_UP: 0, NO_ADDRESS: 0}
    assert len(mail.outbox) == 2
    overdue = mail.outbox[1]
    assert overdue.to == [cast.alice.email]
    assert "overdue" in overdue.subject.lower()
    assert "Acme Widgets Ltd" in overdue.body

    assert run(window_end + dt.timedelta(days=5))[REVIEW_OVERDUE] == 0
    assert len(mail.outbox) == 2


def test_the_next_review_is_reminded_afresh(cast, desk, alice_due, run):
    run(alice_due)
    Review.objects.create(
        engagement=desk.alice_engagement,
        organisation=desk.alice_engagement.organisation,
        agreement=desk.agreement,
        due_on=alice_due,
        held_on=alice_due,
        depth=desk.agreement.review_depth,
    )
    next_due = review_schedule(desk.alice_engagement, on=alice_due).next_due
    assert next_due == alice_due + dt.timedelta(days=28)
    assert run(alice_due + dt.timedelta(days=1))[REVIEW_DUE] == 0
    assert run(next_due)[REVIEW_DUE] == 1
    assert len(mail.outbox) == 2


def test_nothing_for_closed_engagements_or_without_an_accepted_agreement(
    cast, desk, alice_due, run
):
    # mary's engagement has a draft agreement only; pathways' none at all.
    AgreementFactory(engagement=desk.mary_engagement)
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED,
        end_reason=Engagement.EndReason.COMPLETED,
        closed_on=alice_due,
    )
    counts = run(alice_due + dt.timedelta(days=30))
    assert counts[REVIEW_DUE] == counts[REVIEW_OVERDUE] == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_nothing_for_paused_engagements_or_advisers_who_have_left(cast, desk, alice_due, run):
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(status=Engagement.Status.PAUSED)
    assert run(alice_due + dt.timedelta(days=30))[REVIEW_OVERDUE] == 0
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(status=Engagement.Status.ACTIVE)
    type(cast.alice).objects.filter(pk=cast.alice.pk).update(is_active=False)
    assert run(alice_due + dt.timedelta(days=30))[REVIEW_OVERDUE] == 0
    assert mail.outbox == []


def test_only_the_lead_adviser_is_reminded_of_their_own_engagements(cast, desk, alice_due, run):
    mary_agreement = accept(AgreementFactory(engagement=desk.mary_engagement))
    assert mary_agreement.engagement.lead_adviser == cast.mary
    run(alice_due)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([cast.alice.email, cast.mary.email])
    by_person = {m.to[0]: m.body for m in mail.outbox}
    assert "Acme Widgets Ltd" in by_person[cast.alice.email]
    assert "Zenith Bakery" in by_person[cast.mary.email]
    assert "Zenith Bakery" not in by_person[cast.alice.email]


def test_no_email_address_sends_nothing_and_says_so(cast, desk, alice_due, run):
    cast.alice.email = ""
    cast.alice.save()
    counts = run(alice_due)
    assert counts[NO_ADDRESS] == 1
    assert counts[REVIEW_DUE] == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_the_email_leaves_only_when_the_record_is_committed(
    cast, desk, alice_due, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_due_reminders(today=alice_due)
    assert len(callbacks) == 1
    assert mail.outbox == []  # not sent inside the transaction
    assert ReminderSent.objects.count() == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_reminder_already_recorded_is_not_sent_again(cast, desk, alice_due, run):
    ReminderSent.objects.create(
        organisation=cast.hub,
        kind=REVIEW_DUE,
        key=f"engagement:{desk.alice_engagement.pk}:{alice_due.isoformat()}",
        to=cast.alice.email,
        sent_at=timezone.now(),
    )
    assert run(alice_due)[REVIEW_DUE] == 0
    assert mail.outbox == []


def test_audit_entries_name_the_system_account(cast, desk, alice_due, run):
    follow_up = OutcomeFollowUp.objects.create(
        engagement=desk.alice_engagement,
        organisation=cast.hub,
        months_after=6,
        due_on=alice_due,
    )
    run(alice_due)
    system = system_user()
    sent = ReminderSent.objects.order_by("pk")
    assert sent.count() == 2
    for reminder in sent:
        entries = audit_entries_for(reminder)
        assert entries.count() == 1
        assert entries.get().actor == system
    follow_up_entry = audit_entries_for(follow_up).order_by("-pk").first()
    assert follow_up_entry is not None
    assert "reminded_on" in follow_up_entry.changes_dict
    assert follow_up_entry.actor == system


# Outcome follow-ups ----------------------------------------------------------------------------


def _follow_up(desk, months: int, due_on: dt.date, **fields) -> OutcomeFollowUp:
    return OutcomeFollowUp.objects.create(
        engagement=desk.alice_engagement,
        organisation=desk.alice_engagement.organisation,
        months_after=months,
        due_on=due_on,
        **fields,
    )


def test_follow_ups_due_within_14_days_or_overdue_are_reminded_once(cast, desk, run):
    # Follow-ups come after closure: a closed engagement still gets them.
    Engagement.objects.filter(pk=desk.alice_engagement.pk).update(
        status=Engagement.Status.CLOSED,
        end_reason=Engagement.EndReason.COMPLETED,
        closed_on=dt.date(2026, 1, 10),
    )
    today = dt.date(2026, 7, 1)
    soon = _follow_up(desk, 6, today + dt.timedelta(days=14))
    overdue = _follow_up(desk, 3, today - dt.timedelta(days=20))
    later = _follow_up(desk, 12, today + dt.timedelta(days=15))
    done = _follow_up(
        desk, 1, today - dt.timedelta(days=40), completed_on=today - dt.timedelta(days=35)
    )

    counts = run(today)
    assert counts[FOLLOW_UP] == 2
    assert counts[REVIEW_DUE] == counts[REVIEW_OVERDUE] == 0
    assert {m.to[0] for m in mail.outbox} == {cast.alice.email}
    bodies = " ".join(m.body for m in mail.outbox)
    assert "6-month outcome follow-up with Acme Widgets Ltd is due on" in bodies
    assert "3-month outcome follow-up with Acme Widgets Ltd was due on" in bodies
    for follow_up, reminded in ((soon, today), (overdue, today), (later, None), (done, None)):
        follow_up.refresh_from_db()
        assert follow_up.reminded_on == reminded

    # Once: the next day brings only the one that has now come within 14 days.
    counts = run(today + dt.timedelta(days=1))
    assert counts[FOLLOW_UP] == 1
    assert len(mail.outbox) == 3
    assert "12-month" in mail.outbox[2].body
    assert run(today + dt.timedelta(days=2))[FOLLOW_UP] == 0


# The command, the task and the schedule --------------------------------------------------------


def test_the_command_runs_the_jobs_and_prints_counts(
    cast, desk, alice_due, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduled", "--today", alice_due.isoformat(), stdout=out)
    printed = out.getvalue()
    assert "Reminders of reviews coming due: 1" in printed
    assert "Reminders of overdue reviews: 0" in printed
    assert "Emails sent: 1" in printed
    assert len(mail.outbox) == 1


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_scheduled", "--today", "tomorrow", stdout=io.StringIO())


# Transactional: the command line closes the database connections (run_from_argv), which
# would lose the test transaction's on-commit callbacks on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_waypoint_run_hyphen_scheduled_works(cast, desk, alice_due, capsys):
    from waypoint.cli import main

    main(["waypoint", "run-scheduled", "--today", alice_due.isoformat()])
    assert "Reminders of reviews coming due: 1" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_the_task_returns_the_counts(cast, desk, alice_due, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.run_scheduled(today=alice_due)
    assert counts[REVIEW_DUE] == 1
    assert len(mail.outbox) == 1


def test_the_daily_schedule_is_created_once(db):
    first = tasks.ensure_schedule()
    second = tasks.ensure_schedule()
    assert first.pk == second.pk
    assert Schedule.objects.filter(func="waypoint.monitoring.tasks.run_scheduled").count() == 1
    assert first.schedule_type == Schedule.DAILY
    assert first.repeats == -1
    local = first.next_run.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert (local.hour, local.minute) == (7, 0)
    assert first.next_run > timezone.now()


def test_the_install_option_creates_the_schedule(db):
    out = io.StringIO()
    call_command("run_scheduled", "--install-schedule", stdout=out)
    call_command("run_scheduled", "--install-schedule", stdout=out)
    assert Schedule.objects.filter(name=tasks.SCHEDULE_NAME).count() == 1
    assert "Daily schedule" in out.getvalue()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 06:59 in London (BST, UTC+1) runs the same morning; 07:00 the next.
        (
            dt.datetime(2026, 6, 1, 5, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 6, 2, 6, 0, tzinfo=dt.UTC),
        ),
        # In winter London is on UTC.
        (
            dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_the_next_run_is_7_in_the_morning_local_time(now, expected):
    assert tasks._next_run(now) == expected
