"""Load Waypoint's demo data: a commissioner, two providers, teams and people in every role.

Safe to run twice: a second run changes nothing and prints the logins again. Refuses to run
with production settings. Upper modules add their own demo data with a ``demo_<module>``
command, which this command runs after its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from waypoint.core.audit import acting_as
from waypoint.core.models import Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.roles import Role

DEMO_PASSWORD = "waypoint-demo"  # noqa: S105 (demo data only; refused in production)
COMMISSIONER = "Northshire Combined Authority"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    organisation: str
    role: str
    team: str = ""
    job_title: str = ""


ORGANISATIONS = [
    (COMMISSIONER, Organisation.Kind.COMMISSIONER, "NCA", ""),
    ("Enterprise Hub Ltd", Organisation.Kind.PROVIDER, "Hub", "08123456"),
    ("Pathways Employment CIC", Organisation.Kind.PROVIDER, "Pathways", "11234567"),
]

TEAMS = [
    ("Enterprise Hub Ltd", "Start-up", "Pre-start and new businesses in their first year."),
    ("Enterprise Hub Ltd", "Growth", "Established businesses planning to grow."),
    ("Pathways Employment CIC", "Employment support", "Individuals moving into work."),
    ("Pathways Employment CIC", "Quality and training", "Assessment and internal QA."),
    (COMMISSIONER, "Contract management", "Monitoring of commissioned providers."),
]

PEOPLE = [
    DemoPerson(
        "nadia.khan",
        "Nadia",
        "Khan",
        COMMISSIONER,
        Role.ADMINISTRATOR,
        job_title="Systems administrator",
    ),
    DemoPerson(
        "carl.evans",
        "Carl",
        "Evans",
        COMMISSIONER,
        Role.CONTRACT_MANAGER,
        "Contract management",
        "Contract manager",
    ),
    DemoPerson(
        "fiona.grant",
        "Fiona",
        "Grant",
        COMMISSIONER,
        Role.CONTRACT_MANAGER,
        "Contract management",
        "Senior contract manager",
    ),
    DemoPerson("viv.owen", "Viv", "Owen", COMMISSIONER, Role.VIEWER, job_title="Analyst"),
    DemoPerson(
        "ada.lovell",
        "Ada",
        "Lovell",
        "Enterprise Hub Ltd",
        Role.ADMINISTRATOR,
        job_title="Operations lead",
    ),
    DemoPerson(
        "mary.shaw",
        "Mary",
        "Shaw",
        "Enterprise Hub Ltd",
        Role.SERVICE_MANAGER,
        job_title="Service manager",
    ),
    DemoPerson(
        "alice.moss",
        "Alice",
        "Moss",
        "Enterprise Hub Ltd",
        Role.ADVISER,
        "Start-up",
        "Business adviser",
    ),
    DemoPerson(
        "ben.ali", "Ben", "Ali", "Enterprise Hub Ltd", Role.ADVISER, "Growth", "Growth adviser"
    ),
    DemoPerson(
        "chris.doyle",
        "Chris",
        "Doyle",
        "Enterprise Hub Ltd",
        Role.MENTOR,
        "Growth",
        "Volunteer mentor",
    ),
    DemoPerson(
        "priya.patel",
        "Priya",
        "Patel",
        "Enterprise Hub Ltd",
        Role.PROVIDER_STAFF,
        job_title="Data officer",
    ),
    DemoPerson(
        "sam.reid",
        "Sam",
        "Reid",
        "Pathways Employment CIC",
        Role.SERVICE_MANAGER,
        "Employment support",
        "Programme manager",
    ),
    DemoPerson(
        "tom.hughes",
        "Tom",
        "Hughes",
        "Pathways Employment CIC",
        Role.ADVISER,
        "Employment support",
        "Employment adviser",
    ),
    DemoPerson(
        "paula.nowak",
        "Paula",
        "Nowak",
        "Pathways Employment CIC",
        Role.PROVIDER_STAFF,
        job_title="Contract data officer",
    ),
    DemoPerson(
        "ian.cole",
        "Ian",
        "Cole",
        "Pathways Employment CIC",
        Role.ASSESSOR,
        "Quality and training",
        "Assessor",
    ),
    DemoPerson(
        "jo.wright",
        "Jo",
        "Wright",
        "Pathways Employment CIC",
        Role.IQA,
        "Quality and training",
        "Internal quality assurer",
    ),
]

# Northshire requires two-factor sign-in for its administrators, to show the feature.
TWO_FACTOR_ROLES = [(COMMISSIONER, Role.ADMINISTRATOR)]


def _demo_commands() -> list[str]:
    found = []
    for name, app in get_commands().items():
        if name.startswith("demo_"):
            order = getattr(load_command_class(app, name), "demo_order", 100)
            found.append((order, name))
    return [name for _, name in sorted(found)]


class Command(BaseCommand):
    help = "Load the demo organisations, teams and people (idempotent) and print the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with production settings (never on a live system).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith("production") and not options["force"]:
            raise CommandError("Refusing to load demo data with production settings.")
        if Organisation.objects.filter(name=COMMISSIONER).exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            with acting_as(None), transaction.atomic():
                load_demo()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        # Each upper module adds its demo data with a command named demo_<module>; core calls
        # them by name, so it never imports the modules above it. A command's ``demo_order``
        # (default 100) puts it after those it builds on; equal orders run by name.
        for command in _demo_commands():
            call_command(command, stdout=self.stdout)
        self.print_logins()

    def print_logins(self) -> None:
        port = _port()
        lines = [
            "",
            f"Waypoint will be at http://127.0.0.1:{port}/ — sign in as any of these people,",
            f"each with the password  {DEMO_PASSWORD}",
            "",
            f"  {'username':<14} {'role':<46} organisation",
            f"  {'admin':<14} {'platform operator (superuser)':<46} all organisations",
        ]
        for p in PEOPLE:
            role = dict(Role.choices)[p.role] + (f", {p.team}" if p.team else "")
            lines.append(f"  {p.username:<14} {role:<46} {p.organisation}")
        lines += [
            "",
            "nadia.khan is asked to set up two-factor sign-in: Northshire requires it for",
            "administrators (any TOTP authenticator app works).",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _port() -> str:
    import os

    return os.environ.get("PORT", "8000")


def load_demo() -> None:
    organisations = {}
    for name, kind, short_name, number in ORGANISATIONS:
        organisations[name] = Organisation.objects.create(
            name=name, kind=kind, short_name=short_name, registered_number=number
        )
    teams = {}
    for organisation, name, description in TEAMS:
        teams[(organisation, name)] = Team.objects.create(
            organisation=organisations[organisation], name=name, description=description
        )
    for p in PEOPLE:
        user = User(
            username=p.username,
            first_name=p.first_name,
            last_name=p.last_name,
            email=f"{p.username}@example.org",
            job_title=p.job_title,
            home_organisation=organisations[p.organisation],
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        RoleAssignment.objects.create(
            user=user,
            organisation=organisations[p.organisation],
            role=p.role,
            team=teams.get((p.organisation, p.team)),
        )
    admin = User(
        username="admin",
        first_name="Platform",
        last_name="Operator",
        email="admin@example.org",
        is_staff=True,
        is_superuser=True,
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    for organisation, role in TWO_FACTOR_ROLES:
        RolePolicy.objects.create(
            organisation=organisations[organisation], role=role, require_two_factor=True
        )
