"""Load the demo clients, programmes, engagements, agreements and a year of contacts.

Run by ``waypoint demo`` after the core demo (organisations and people). About 200 clients:
Enterprise Hub Ltd's businesses across SIC sections and regions, and Pathways Employment
CIC's individuals with their employment status and barriers to work; two programmes owned by
Northshire Combined Authority; engagements in every status; agreements reviewed weekly,
fortnightly, four-weekly and monthly (mentoring ones for Chris Doyle); a year of contacts with
follow-ups. Deterministic for a given day (``random.Random(SEED)``; dates are relative to
today so that the demo always looks current) and idempotent (skipped when already loaded).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from waypoint.clients.models import Client, ClientBarrier, Consent, EqualityMonitoring, Person
from waypoint.clients.reference import (
    Barrier,
    EmploymentStatus,
    LegalForm,
    Region,
    SizeBand,
    TradingStatus,
    sic_section_for,
)
from waypoint.core.audit import acting_as
from waypoint.core.models import Organisation, User
from waypoint.core.periods import PeriodKind, period_of
from waypoint.delivery.models import (
    Action,
    ActionPlan,
    Agreement,
    EligibilityCheck,
    EligibilityCondition,
    Engagement,
    EngagementTransition,
    FollowUp,
    Goal,
    Interaction,
    PlanChange,
    Programme,
    ProgrammeBudget,
    Referral,
    ReviewDepth,
    ReviewUnit,
    Service,
)

SEED = 20260401
COMMISSIONER = "Northshire Combined Authority"
HUB = "Enterprise Hub Ltd"
PATHWAYS = "Pathways Employment CIC"
GROWTH = "Northshire Business Growth"
PATHWAYS_TO_WORK = "Pathways to Work"
BUSINESSES = 140
INDIVIDUALS = 60

Status = Engagement.Status
EndReason = Engagement.EndReason

# One SIC division from most sections, so every section is represented.
DIVISIONS = [
    "01", "08", "10", "13", "16", "20", "25", "28", "31", "35", "38", "41", "43", "45", "46",
    "47", "49", "52", "55", "56", "58", "62", "63", "64", "66", "68", "69", "70", "71", "73",
    "74", "77", "79", "81", "82", "85", "86", "88", "90", "93", "95", "96",
]  # fmt: skip
# Postcode districts by ITL1 region (most in the North East, where Northshire is).
DISTRICTS = {
    Region.NORTH_EAST: ["NE1", "NE6", "NE8", "NE29", "SR1", "SR4", "DH1", "DL1", "TS1", "TS18"],
    Region.NORTH_WEST: ["M1", "L1", "CA1", "PR1"],
    Region.YORKSHIRE: ["LS1", "S1", "YO1", "HU1"],
    Region.EAST_MIDLANDS: ["NG1", "LE1"],
    Region.WEST_MIDLANDS: ["B1", "CV1"],
    Region.EAST: ["CB1", "NR1"],
    Region.LONDON: ["EC1A", "SE1"],
    Region.SOUTH_EAST: ["OX1", "BN1"],
    Region.SOUTH_WEST: ["BS1", "EX1"],
    Region.WALES: ["CF10", "SA1"],
    Region.SCOTLAND: ["EH1", "G1"],
    Region.NORTHERN_IRELAND: ["BT1"],
}
TOWNS = {"NE": "Newcastle upon Tyne", "SR": "Sunderland", "DH": "Durham", "DL": "Darlington"}
NAME_FIRST = [
    "Northern", "Harbour", "Tyne", "Wear", "Cheviot", "Riverside", "Blue Door", "Oak", "Copper",
    "Lantern", "Bridge", "Heather", "Granite", "Kite", "Quayside", "Moor", "Willow", "Beacon",
    "Ember", "Saltwell",
]  # fmt: skip
NAME_TRADE = {
    "A": "Farm", "B": "Minerals", "C": "Makers", "D": "Energy", "E": "Recycling",
    "F": "Builders", "G": "Traders", "H": "Logistics", "I": "Kitchen", "J": "Digital",
    "K": "Finance", "L": "Properties", "M": "Consulting", "N": "Services", "P": "Academy",
    "Q": "Care", "R": "Studios", "S": "Repairs",
}  # fmt: skip
FIRST_NAMES = [
    "Amira", "Ben", "Callum", "Dana", "Eilidh", "Farah", "Gareth", "Hannah", "Imran", "Jess",
    "Kwame", "Leah", "Mohammed", "Niamh", "Owen", "Priti", "Rory", "Sana", "Tariq", "Una",
    "Vikram", "Wendy", "Yusuf", "Zoe",
]  # fmt: skip
WOMENS_NAMES = frozenset(
    {"Amira", "Dana", "Eilidh", "Farah", "Hannah", "Jess", "Leah", "Niamh", "Priti", "Sana", "Una",
     "Wendy", "Zoe"}
)  # fmt: skip
# About two in five business owners supported are women (higher among pre-start founders).
WOMEN_OWNERS = {TradingStatus.PRE_START: 0.48, TradingStatus.UNDER_1_YEAR: 0.42}
WOMEN_OWNERS_OTHERWISE = 0.34
LAST_NAMES = [
    "Armstrong", "Bell", "Charlton", "Dodds", "Elliott", "Forster", "Graham", "Hall", "Iqbal",
    "Johnson", "Khan", "Lowes", "Milburn", "Nesbitt", "Oliver", "Patel", "Robson", "Shearer",
    "Thompson", "Walker",
]  # fmt: skip
SERVICES = [
    (HUB, Service.Kind.INTERNAL, "Start-up workshops", "", "Six-week course: idea to launch."),
    (HUB, Service.Kind.INTERNAL, "Growth diagnostic", "", "A half-day review of the business."),
    (HUB, Service.Kind.INTERNAL, "Volunteer mentoring", "", "A mentor for six to twelve months."),
    (
        HUB,
        Service.Kind.EXTERNAL,
        "Export advice",
        "Department for Business and Trade",
        "International trade advisers and export finance.",
    ),
    (
        HUB,
        Service.Kind.EXTERNAL,
        "Start-up loans",
        "British Business Bank",
        "Loans of up to £25,000 with free mentoring.",
    ),
    (
        HUB,
        Service.Kind.EXTERNAL,
        "Intellectual property clinic",
        "Northshire Business Library",
        "Free sessions with a patent attorney.",
    ),
    (PATHWAYS, Service.Kind.INTERNAL, "Job clubs", "", "Weekly job search and CV support."),
    (
        PATHWAYS,
        Service.Kind.EXTERNAL,
        "Debt advice",
        "Northshire Citizens Advice",
        "Free, confidential debt and benefits advice.",
    ),
    (
        PATHWAYS,
        Service.Kind.EXTERNAL,
        "Adult skills",
        "Northshire College",
        "English, maths and digital skills courses.",
    ),
    (
        PATHWAYS,
        Service.Kind.EXTERNAL,
        "Health and wellbeing",
        "Northshire Talking Therapies",
        "Support for anxiety, low mood and stress.",
    ),
]
# Final status -> share of engagements; every status appears.
BUSINESS_STATUS_WEIGHTS = [
    ((Status.ENQUIRY, ""), 10),
    ((Status.ELIGIBLE, ""), 7),
    ((Status.AGREEMENT_PENDING, ""), 8),
    ((Status.ACTIVE, ""), 34),
    ((Status.PAUSED, ""), 7),
    ((Status.CLOSED, EndReason.COMPLETED), 20),
    ((Status.CLOSED, EndReason.WITHDREW), 4),
    ((Status.CLOSED, EndReason.NOT_ELIGIBLE), 4),
    ((Status.CLOSED, EndReason.REFERRED_ON), 3),
    ((Status.CLOSED, EndReason.LOST_CONTACT), 3),
]
# Employment support is shorter: more of Pathways' clients have finished (and been followed up).
INDIVIDUAL_STATUS_WEIGHTS = [
    ((Status.ENQUIRY, ""), 8),
    ((Status.ELIGIBLE, ""), 5),
    ((Status.AGREEMENT_PENDING, ""), 6),
    ((Status.ACTIVE, ""), 28),
    ((Status.PAUSED, ""), 5),
    ((Status.CLOSED, EndReason.COMPLETED), 30),
    ((Status.CLOSED, EndReason.WITHDREW), 4),
    ((Status.CLOSED, EndReason.NOT_ELIGIBLE), 3),
    ((Status.CLOSED, EndReason.REFERRED_ON), 4),
    ((Status.CLOSED, EndReason.LOST_CONTACT), 7),
]
# Days from enquiry to the first contact, by lead adviser: (typical now, change per year further
# back). Alice has got quicker, Ben slower as his caseload grew; the volunteer mentor is the
# slowest. Most first contacts are within a week; now and then one waits for two or three.
FIRST_CONTACT_DAYS = {
    "alice.moss": (1.2, 3.0),
    "ben.ali": (4.5, -2.5),
    "chris.doyle": (6.0, 0.5),
    "tom.hughes": (2.5, 1.0),
}
# (every, unit, depth): weekly, fortnightly, four-weekly and monthly reviews.
FREQUENCIES = [
    (1, ReviewUnit.WEEKS, ReviewDepth.LIGHT),
    (2, ReviewUnit.WEEKS, ReviewDepth.STANDARD),
    (4, ReviewUnit.WEEKS, ReviewDepth.STANDARD),
    (1, ReviewUnit.MONTHS, ReviewDepth.IN_DEPTH),
]
SUMMARIES = [
    "Reviewed progress on the action plan and agreed next steps.",
    "Worked through the cash-flow forecast for the next quarter.",
    "Discussed pricing and the first customers' feedback.",
    "Looked at the options for funding and what each would need.",
    "Checked in on the actions agreed last time; two done, one slipping.",
    "Prepared for the meeting with the bank.",
    "Talked about recruiting the first employee.",
]
JOB_SUMMARIES = [
    "Updated the CV and applied for two warehouse roles.",
    "Mock interview for a care assistant post.",
    "Talked about travel to work and the bus pass scheme.",
    "Set up an account on the job search site and saved searches.",
    "Followed up the referral to the adult skills course.",
]


@dataclass
class Plan:
    """One engagement as it will be written, before bulk creation."""

    client: Client
    programme: Programme
    lead: User
    status: str
    end_reason: str
    steps: list[tuple[str, dt.date]] = field(default_factory=list)
    mentoring: bool = False
    first_contact: dt.date | None = None  # None: an enquiry nobody has contacted yet


class Command(BaseCommand):
    help = "Load the demo clients, programmes, engagements and contacts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            commissioner = Organisation.objects.get(name=COMMISSIONER)
        except Organisation.DoesNotExist:
            raise CommandError("Load the core demo first: waypoint demo") from None
        if Programme.objects.filter(organisation=commissioner, name=GROWTH).exists():
            self.stdout.write("Delivery demo data is already loaded.")
            return
        with acting_as(None), transaction.atomic():
            rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
            counts = DemoLoader(rng, timezone.localdate()).load()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Delivery demo data loaded: {summary}."))


class DemoLoader:
    """Programmes and services are saved one by one (so they are in the audit log); the bulk
    records (clients, engagements, contacts...) use ``bulk_create``, which writes no audit
    entries: demo data is Waypoint's own bootstrap on a fresh database, and thousands of
    entries would make ``waypoint demo`` slow without telling anyone anything."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        self.orgs = {o.name: o for o in Organisation.objects.all()}
        self.users = {u.username: u for u in User.objects.all()}
        self.now = timezone.now()
        # The programmes began the financial year before last, so that last year has the
        # follow-ups of the first clients to finish, as this year has.
        self.programme_start = (
            period_of(today, PeriodKind.FINANCIAL_YEAR).previous().previous().start
        )
        # Their own seeds, so that adding them left the rest of the demo as it was.
        self.contact_rng = random.Random(SEED + 3)  # noqa: S311 (demo data)
        self.goal_tally: dict[tuple[str, bool, bool], tuple[int, int]] = {}

    def user(self, username: str) -> User:
        try:
            return self.users[username]
        except KeyError:
            raise CommandError(
                f"The demo person {username} is missing; run waypoint demo."
            ) from None

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def load(self) -> dict[str, int]:
        growth, pathways = self.programmes()
        self.services()
        businesses = self.businesses()
        individuals = self.individuals()
        plans = [self.plan(c, growth) for c in businesses]
        plans += [self.plan(c, pathways) for c in individuals]
        engagements = self.engagements(plans)
        equality = self.equality(businesses + individuals)
        self.eligibility(plans, engagements)
        agreements = self.agreements(plans, engagements)
        contacts = self.contacts(plans, engagements)
        referrals = self.referrals(plans, engagements)
        action_plans = self.action_plans(plans, engagements)
        return {
            "clients": len(businesses) + len(individuals),
            "equality monitoring answers": equality,
            "engagements": len(engagements),
            "agreements": agreements,
            "contacts": contacts,
            "referrals": referrals,
            "action plans": action_plans,
        }

    # Programmes and the service directory -----------------------------------------------------

    def programmes(self) -> tuple[Programme, Programme]:
        commissioner = self.orgs[COMMISSIONER]
        start = self.programme_start
        growth = Programme.objects.create(
            organisation=commissioner,
            name=GROWTH,
            code="NBG",
            description="Advice, mentoring and workshops for businesses starting and growing.",
            funding_source="UK Shared Prosperity Fund",
            priorities="Rural businesses; green growth; under-represented founders.",
            default_review_every=4,
            default_review_unit=ReviewUnit.WEEKS,
            default_review_depth=ReviewDepth.STANDARD,
            start_date=start,
        )
        growth.delivering_organisations.set([self.orgs[HUB]])
        work = Programme.objects.create(
            organisation=commissioner,
            name=PATHWAYS_TO_WORK,
            code="PTW",
            description="Key-worker support for people moving towards and into work.",
            funding_source="Northshire Combined Authority",
            priorities="Long-term unemployed; people with health conditions.",
            default_review_every=2,
            default_review_unit=ReviewUnit.WEEKS,
            default_review_depth=ReviewDepth.LIGHT,
            start_date=start,
        )
        work.delivering_organisations.set([self.orgs[PATHWAYS]])
        conditions = {
            growth: [
                "Based in Northshire, or about to start trading there",
                "Fewer than 250 employees",
                "Not in an excluded sector (primary agriculture, fisheries)",
                "Minimal financial assistance in the last three years below the limit",
            ],
            work: [
                "Aged 18 or over and living in Northshire",
                "Unemployed or economically inactive",
                "Has the right to work in the UK",
            ],
        }
        for programme, texts in conditions.items():
            for position, text in enumerate(texts):
                EligibilityCondition.objects.create(
                    organisation=commissioner, programme=programme, text=text, position=position
                )
        fy = start.year
        amounts_by_year = (
            (growth, (390_000, 420_000, 450_000)),
            (work, (290_000, 310_000, 325_000)),
        )
        for programme, amounts in amounts_by_year:
            for offset, amount in enumerate(amounts):
                ProgrammeBudget.objects.create(
                    organisation=commissioner,
                    programme=programme,
                    period=f"{fy + offset}/{(fy + offset + 1) % 100:02d}",
                    amount=Decimal(amount),
                )
        return growth, work

    def services(self) -> None:
        for organisation, kind, name, provider, offer in SERVICES:
            Service.objects.create(
                organisation=self.orgs[organisation],
                kind=kind,
                name=name,
                provider_name=provider,
                offer=offer,
                audience="Clients of " + organisation,
                cost="Free",
            )

    # Clients -------------------------------------------------------------------------------

    def postcode(self) -> tuple[str, str, str]:
        region = (
            Region.NORTH_EAST
            if self.rng.random() < 0.6
            else self.rng.choice([r for r in DISTRICTS if r != Region.NORTH_EAST])
        )
        district = self.rng.choice(DISTRICTS[region])
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        unit = f"{self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
        code = f"{district} {unit}"
        town = TOWNS.get(district.rstrip("0123456789"), "")
        return code, region.value, town

    def businesses(self) -> list[Client]:
        hub = self.orgs[HUB]
        clients: list[Client] = []
        used: set[str] = set()
        for i in range(BUSINESSES):
            division = DIVISIONS[i % len(DIVISIONS)]
            section = sic_section_for(division)
            name = f"{self.rng.choice(NAME_FIRST)} {NAME_TRADE.get(section, 'Enterprises')}"
            while name in used:
                name = f"{self.rng.choice(NAME_FIRST)} {name}"
            used.add(name)
            status = self.rng.choice(list(TradingStatus))
            years = {
                TradingStatus.PRE_START: None,
                TradingStatus.UNDER_1_YEAR: (30, 330),
                TradingStatus.ONE_TO_3_YEARS: (400, 1000),
                TradingStatus.OVER_3_YEARS: (1200, 9000),
            }[status]
            start = self.days_ago(self.rng.randint(*years)) if years else None
            form = (
                LegalForm.NOT_FORMED
                if status == TradingStatus.PRE_START
                else self.rng.choice(
                    [
                        LegalForm.SOLE_TRADER,
                        LegalForm.PRIVATE_LIMITED,
                        LegalForm.PARTNERSHIP,
                        LegalForm.PRIVATE_LIMITED,
                        LegalForm.CIC,
                        LegalForm.LLP,
                    ]
                )
            )
            limited = form in (LegalForm.PRIVATE_LIMITED, LegalForm.CIC, LegalForm.LLP)
            postcode, region, town = self.postcode()
            suffix = {LegalForm.PRIVATE_LIMITED: " Ltd", LegalForm.CIC: " CIC"}.get(form, "")
            if form == LegalForm.LLP:
                suffix = " LLP"
            clients.append(
                Client(
                    organisation=hub,
                    kind=Client.Kind.BUSINESS,
                    name=name + suffix,
                    registered_number=f"{13000000 + i * 7919:08d}" if limited else "",
                    legal_form=form,
                    sic_division=division,
                    sic_section=section,
                    size_band=SizeBand.NONE
                    if status == TradingStatus.PRE_START
                    else self.rng.choice([SizeBand.MICRO] * 4 + [SizeBand.SMALL] * 2)
                    if self.rng.random() < 0.9
                    else SizeBand.MEDIUM,
                    trading_status=status,
                    start_date=start,
                    address_line_1=f"{self.rng.randint(1, 200)} {self.rng.choice(LAST_NAMES)} St",
                    town=town,
                    postcode=postcode,
                    region=region,
                    email=f"hello@{name.lower().replace(' ', '')}.example",
                    phone=f"0191 496 {self.rng.randint(0, 9999):04d}",
                    created_by=self.user(self.rng.choice(["alice.moss", "ben.ali", "priya.patel"])),
                )
            )
        Client.objects.bulk_create(clients)
        people = []
        consents = []
        for client in clients:
            for position in range(self.rng.choice([1, 1, 2])):
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                if position == 0:
                    # The owner: a woman about two times in five (more among new businesses).
                    share = WOMEN_OWNERS.get(
                        TradingStatus(client.trading_status), WOMEN_OWNERS_OTHERWISE
                    )
                    woman = self.rng.random() < share
                    names = [n for n in FIRST_NAMES if (n in WOMENS_NAMES) == woman]
                    first = self.rng.choice(names)
                people.append(
                    Person(
                        organisation=hub,
                        client=client,
                        first_name=first,
                        last_name=last,
                        role="Owner" if position == 0 else "Director",
                        email=f"{first.lower()}@{client.email.split('@')[1]}",
                        is_main_contact=position == 0,
                    )
                )
            consents += self.consents(client)
        Person.objects.bulk_create(people)
        Consent.objects.bulk_create(consents)
        return clients

    def individuals(self) -> list[Client]:
        pathways = self.orgs[PATHWAYS]
        clients = []
        for i in range(INDIVIDUALS):
            postcode, _, town = self.postcode()
            if not postcode.startswith(("NE", "SR", "DH", "DL", "TS")):
                postcode = f"NE{self.rng.randint(1, 40)} {self.rng.randint(1, 9)}AB"
                town = "Newcastle upon Tyne"
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], self.rng.choice(LAST_NAMES)
            clients.append(
                Client(
                    organisation=pathways,
                    kind=Client.Kind.INDIVIDUAL,
                    name=f"{first} {last}",
                    postcode=postcode,
                    town=town,
                    region=Region.NORTH_EAST,
                    email=f"{first.lower()}.{last.lower()}{i}@example.com",
                    phone=f"07700 9{self.rng.randint(0, 99999):05d}",
                    employment_status=self.rng.choice(
                        [
                            EmploymentStatus.UNEMPLOYED_SHORT,
                            EmploymentStatus.UNEMPLOYED_LONG,
                            EmploymentStatus.UNEMPLOYED_LONG,
                            EmploymentStatus.INACTIVE,
                        ]
                    ),
                    created_by=self.user(self.rng.choice(["tom.hughes", "paula.nowak"])),
                )
            )
        Client.objects.bulk_create(clients)
        barriers = []
        consents = []
        for client in clients:
            for barrier in self.rng.sample(list(Barrier), self.rng.randint(1, 3)):
                barriers.append(
                    ClientBarrier(organisation=pathways, client=client, barrier=barrier.value)
                )
            consents += self.consents(client)
        ClientBarrier.objects.bulk_create(barriers)
        Consent.objects.bulk_create(consents)
        return clients

    def equality(self, clients: list[Client]) -> int:
        """Equality-monitoring answers for about seven clients in ten (the questions are
        optional; the rest were not asked or did not answer), with "prefer not to say" now and
        then. About two business owners in five are women (the owner's sex follows their
        name), one in eight is disabled, about one in seven from an ethnic minority and few are
        under 25; Pathways' clients are younger, and more are disabled (most of those with a
        health condition among their barriers)."""
        rng = random.Random(SEED + 4)  # noqa: S311 (demo data; its own seed keeps the rest)
        owners = {
            person.client_id: person.first_name
            for person in Person.objects.filter(client__in=clients, is_main_contact=True)
        }
        health = set(
            ClientBarrier.objects.filter(client__in=clients, barrier=Barrier.HEALTH).values_list(
                "client_id", flat=True
            )
        )
        E = EqualityMonitoring
        prefer_not = E.PREFER_NOT[0]

        def pick(weights: Mapping[str, float]) -> str:
            return rng.choices(list(weights), list(weights.values()))[0]

        rows = []
        for client in clients:
            if rng.random() >= 0.7:
                continue
            individual = client.kind == Client.Kind.INDIVIDUAL
            name = client.name.split()[0] if individual else owners.get(client.pk, "")
            sex = E.Sex.FEMALE if name in WOMENS_NAMES else E.Sex.MALE
            if rng.random() < 0.04:
                sex = E.Sex.PREFER_NOT
            if individual:
                ages = {"under_25": 26, "25_34": 28, "35_49": 26, "50_64": 16, "65_plus": 1}
                disabled = 0.7 if client.pk in health else 0.14
            else:
                young = {TradingStatus.PRE_START: 22, TradingStatus.UNDER_1_YEAR: 10}
                ages = {
                    "under_25": young.get(TradingStatus(client.trading_status), 3),
                    "25_34": 28,
                    "35_49": 34,
                    "50_64": 24,
                }
                ages["65_plus"] = 4
                disabled = 0.12
            ages[prefer_not] = 3
            rows.append(
                E(
                    organisation=client.organisation,
                    client=client,
                    age_band=pick(ages),
                    sex=sex,
                    gender_same_as_at_birth=pick({"yes": 95, "no": 1.5, prefer_not: 3.5}),
                    ethnicity=pick(
                        {"white": 80, "asian": 8, "black": 3, "mixed": 2.5, "other": 1.5}
                        | {prefer_not: 5}
                    ),
                    disability=pick(
                        {"yes": disabled * 95, "no": (1 - disabled) * 95, prefer_not: 5}
                    ),
                )
            )
        E.objects.bulk_create(rows)
        return len(rows)

    def consents(self, client: Client) -> list[Consent]:
        granted = self.days_ago(self.rng.randint(200, 420))
        recorded_by = client.created_by
        rows = [
            Consent(
                organisation=client.organisation,
                client=client,
                kind=Consent.Kind.PRIVACY_NOTICE,
                lawful_basis=Consent.LawfulBasis.PUBLIC_TASK,
                privacy_notice_version="2025-04",
                granted_on=granted,
                how="Signed form",
                recorded_by=recorded_by,
            )
        ]
        for kind, share in ((Consent.Kind.MARKETING, 0.5), (Consent.Kind.SHARE_WITH_PARTNERS, 0.7)):
            if self.rng.random() < share:
                withdrawn = self.rng.random() < 0.1
                rows.append(
                    Consent(
                        organisation=client.organisation,
                        client=client,
                        kind=kind,
                        lawful_basis=Consent.LawfulBasis.CONSENT,
                        granted_on=granted,
                        withdrawn_on=granted + dt.timedelta(days=60) if withdrawn else None,
                        how="Web form",
                        recorded_by=recorded_by,
                    )
                )
        return rows

    # Engagements ---------------------------------------------------------------------------

    def plan(self, client: Client, programme: Programme) -> Plan:
        weights = (
            INDIVIDUAL_STATUS_WEIGHTS
            if client.kind == Client.Kind.INDIVIDUAL
            else BUSINESS_STATUS_WEIGHTS
        )
        (status, reason) = self.rng.choices(
            [choice for choice, _ in weights], [w for _, w in weights]
        )[0]
        if client.kind == Client.Kind.INDIVIDUAL:
            lead, mentoring = "tom.hughes", False
        elif self.rng.random() < 0.12:
            lead, mentoring = "chris.doyle", True
        elif client.trading_status in (TradingStatus.PRE_START, TradingStatus.UNDER_1_YEAR):
            lead, mentoring = "alice.moss", False
        else:
            lead, mentoring = "ben.ali", False
        path = {
            Status.ENQUIRY: [Status.ENQUIRY],
            Status.ELIGIBLE: [Status.ENQUIRY, Status.ELIGIBLE],
            Status.AGREEMENT_PENDING: [Status.ENQUIRY, Status.ELIGIBLE, Status.AGREEMENT_PENDING],
            Status.ACTIVE: [
                Status.ENQUIRY,
                Status.ELIGIBLE,
                Status.AGREEMENT_PENDING,
                Status.ACTIVE,
            ],
        }
        path[Status.PAUSED] = [*path[Status.ACTIVE], Status.PAUSED]
        if status != Status.CLOSED:
            statuses = path[status]
        elif reason == EndReason.NOT_ELIGIBLE:
            statuses = [Status.ENQUIRY, Status.CLOSED]
        elif reason == EndReason.WITHDREW:
            statuses = [*path[self.rng.choice([Status.ELIGIBLE, Status.ACTIVE])], Status.CLOSED]
        else:
            statuses = [*path[Status.ACTIVE], Status.CLOSED]
        # Recent enquiries for early statuses; a long history for active ones; closed ones go
        # back to the programmes' start, so that last year has its closures and follow-ups.
        early = status in (Status.ENQUIRY, Status.ELIGIBLE, Status.AGREEMENT_PENDING)
        history = (self.today - self.programme_start).days - 1
        longest = min(365, history)
        if status == Status.CLOSED:
            # Employment support is shorter, and its follow-ups come sooner.
            longest = min(720, history) if client.kind == Client.Kind.INDIVIDUAL else history
        start = self.days_ago(self.rng.randint(3, 40) if early else self.rng.randint(90, longest))
        first_contact = self.first_contact(lead, start)
        if first_contact is None and len(statuses) > 1:
            first_contact = self.today  # it moved on today: someone has been in touch
        steps: list[tuple[str, dt.date]] = []
        day = start
        span = (self.today - start).days
        for index, step in enumerate(statuses):
            if index == 1 and first_contact is not None:
                day = first_contact  # the next step follows the first conversation
            if index:
                gap = (
                    span // (len(statuses) + 1)
                    if step == Status.CLOSED and reason != EndReason.NOT_ELIGIBLE
                    else self.rng.randint(1, 14)
                )
                day = min(self.today, day + dt.timedelta(days=max(1, gap)))
            steps.append((step, day))
        return Plan(
            client, programme, self.user(lead), status, reason, steps, mentoring, first_contact
        )

    def first_contact(self, lead: str, enquiry: dt.date) -> dt.date | None:
        """The day of the first contact after an enquiry: skewed (most within a week, now and
        then two or three weeks), differing by adviser and over time (``FIRST_CONTACT_DAYS``);
        None when it would fall after today (the enquiry is still waiting)."""
        rng = self.contact_rng
        typical, per_year_back = FIRST_CONTACT_DAYS[lead]
        mean = max(0.6, typical + per_year_back * (self.today - enquiry).days / 365)
        if rng.random() < 0.07:
            delay = rng.randint(10, 21)  # a busy week, or a message that went astray
        else:
            delay = min(21, int(rng.expovariate(1 / mean)))
        day = enquiry + dt.timedelta(days=delay)
        return day if day <= self.today else None

    def engagements(self, plans: list[Plan]) -> list[Engagement]:
        engagements = []
        for plan in plans:
            dates = dict(plan.steps)
            engagements.append(
                Engagement(
                    organisation=plan.client.organisation,
                    client=plan.client,
                    programme=plan.programme,
                    lead_adviser=plan.lead,
                    status=plan.status,
                    end_reason=plan.end_reason,
                    enquiry_date=plan.steps[0][1],
                    eligibility_checked_on=dates.get(Status.ELIGIBLE)
                    or (
                        dates.get(Status.CLOSED)
                        if plan.end_reason == EndReason.NOT_ELIGIBLE
                        else None
                    ),
                    closed_on=dates.get(Status.CLOSED),
                )
            )
        Engagement.objects.bulk_create(engagements)
        ben = self.user("ben.ali")
        assigned = [
            Engagement.advisers.through(engagement_id=e.pk, user_id=ben.pk)
            for e in engagements
            if e.lead_adviser.username == "alice.moss" and self.rng.random() < 0.15
        ]
        Engagement.advisers.through.objects.bulk_create(assigned)
        reasons: dict[str, str] = {
            Status.ENQUIRY: "Enquiry through the website.",
            Status.ELIGIBLE: "All the eligibility conditions are met.",
            Status.AGREEMENT_PENDING: "Agreement drafted and offered to the client.",
            Status.ACTIVE: "The client accepted the agreement.",
            Status.PAUSED: "The client asked to pause for a few weeks.",
        }
        transitions = []
        for plan, engagement in zip(plans, engagements, strict=True):
            previous = ""
            for number, (step, day) in enumerate(plan.steps):
                reason = reasons.get(step, "")
                if step == Status.CLOSED:
                    reason = {
                        EndReason.COMPLETED: "The agreed support is complete.",
                        EndReason.WITHDREW: "The client decided not to continue.",
                        EndReason.NOT_ELIGIBLE: "Not eligible: outside the programme's area.",
                        EndReason.REFERRED_ON: "Referred to a specialist service.",
                        EndReason.LOST_CONTACT: "No reply to three attempts to contact.",
                    }[EndReason(plan.end_reason)]
                transitions.append(
                    EngagementTransition(
                        organisation=engagement.organisation,
                        engagement=engagement,
                        from_status=previous,
                        to_status=step,
                        reason=reason,
                        # An hour apart, so that two moves on one day keep their order.
                        occurred_at=self.at(day, 9 + number),
                        by=plan.lead,
                    )
                )
                previous = step
        EngagementTransition.objects.bulk_create(transitions)
        return engagements

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour, self.rng.choice([0, 15, 30, 45])))
        aware = timezone.make_aware(moment)
        return min(aware, self.now - dt.timedelta(minutes=5))

    def eligibility(self, plans: list[Plan], engagements: list[Engagement]) -> None:
        conditions: dict[int, list[EligibilityCondition]] = {}
        for condition in EligibilityCondition.objects.all():
            conditions.setdefault(condition.programme_id, []).append(condition)
        checks = []
        for plan, engagement in zip(plans, engagements, strict=True):
            if engagement.eligibility_checked_on is None:
                continue
            not_eligible = plan.end_reason == EndReason.NOT_ELIGIBLE
            for index, condition in enumerate(conditions[plan.programme.pk]):
                checks.append(
                    EligibilityCheck(
                        organisation=engagement.organisation,
                        engagement=engagement,
                        condition=condition,
                        met=not (not_eligible and index == 0),
                    )
                )
        EligibilityCheck.objects.bulk_create(checks)

    # Agreements and contacts -----------------------------------------------------------------

    def agreements(self, plans: list[Plan], engagements: list[Engagement]) -> int:
        rows = []
        for number, (plan, engagement) in enumerate(zip(plans, engagements, strict=True)):
            dates = dict(plan.steps)
            if Status.AGREEMENT_PENDING not in dates:
                continue
            every, unit, depth = FREQUENCIES[number % len(FREQUENCIES)]
            if plan.programme.name == PATHWAYS_TO_WORK:
                kind = Agreement.Type.EMPLOYMENT_SUPPORT
            else:
                kind = Agreement.Type.MENTORING if plan.mentoring else Agreement.Type.ADVICE
            accepted = Status.ACTIVE in dates
            versions = 2 if accepted and number % 9 == 0 else 1
            for version in range(1, versions + 1):
                latest = version == versions
                status = Agreement.Status.ACCEPTED if accepted else Agreement.Status.OFFERED
                if not latest:
                    status = Agreement.Status.SUPERSEDED
                when = dates.get(Status.ACTIVE) or dates[Status.AGREEMENT_PENDING]
                rows.append(
                    Agreement(
                        organisation=engagement.organisation,
                        engagement=engagement,
                        version=version,
                        status=status,
                        type=kind,
                        adviser_responsibilities="Prepare for each session, follow up in writing "
                        "within two working days, and refer on where others can help more.",
                        client_responsibilities="Carry out the agreed actions, tell us about "
                        "changes, and give 24 hours' notice to rearrange.",
                        contractual_limits="We do not give regulated financial or legal advice.",
                        confidentiality="What you tell us stays with us unless you agree, or "
                        "someone is at risk of harm.",
                        availability="Weekdays 9 to 5; replies within two working days.",
                        preferred_channels=self.rng.choice(["Phone", "Email", "Video call"]),
                        feedback_timing="At the end of each session, and in writing after "
                        "each review.",
                        review_every=every if latest else 1,
                        review_unit=unit if latest else ReviewUnit.MONTHS,
                        review_depth=depth,
                        planned_duration_weeks=self.rng.choice([12, 26, 52]),
                        mentoring_goals="Build confidence in making decisions; plan the next "
                        "stage of growth."
                        if kind == Agreement.Type.MENTORING
                        else "",
                        meeting_frequency="Monthly, for about an hour"
                        if kind == Agreement.Type.MENTORING
                        else "",
                        meeting_places="The Hub or the client's premises"
                        if kind == Agreement.Type.MENTORING
                        else "",
                        missed_sessions="Rearrange within two weeks; two missed sessions in a "
                        "row end the mentoring."
                        if kind == Agreement.Type.MENTORING
                        else "",
                        code_of_ethics="EMCC Global Code of Ethics"
                        if kind == Agreement.Type.MENTORING
                        else "",
                        accepted_at=self.at(when, 10)
                        if status != Agreement.Status.OFFERED
                        else None,
                        accepted_by_name=str(plan.client) if accepted else "",
                        accepted_via=self.rng.choice(list(Agreement.AcceptedVia)).value
                        if accepted
                        else "",
                        created_by=plan.lead,
                    )
                )
        Agreement.objects.bulk_create(rows)
        return len(rows)

    def contacts(self, plans: list[Plan], engagements: list[Engagement]) -> int:
        contacts: list[Interaction] = []
        leads: list[User] = []
        for number, (plan, engagement) in enumerate(zip(plans, engagements, strict=True)):
            dates = dict(plan.steps)
            end = dates.get(Status.CLOSED) or dates.get(Status.PAUSED) or self.today
            days = [plan.first_contact] if plan.first_contact is not None else []
            if Status.ACTIVE in dates:
                every = (7, 14, 28, 30)[number % 4]
                day = dates[Status.ACTIVE]
                while day <= end and len(days) < 40:
                    days.append(day)
                    day += dt.timedelta(days=every + self.rng.randint(-2, 3))
            elif Status.ELIGIBLE in dates:
                days.append(dates[Status.ELIGIBLE])
            individual = plan.programme.name == PATHWAYS_TO_WORK
            for index, day in enumerate(days):
                support = (
                    Interaction.SupportType.MENTORING
                    if plan.mentoring
                    else Interaction.SupportType.ADVICE
                )
                # 004 g: now and then a mentor gives advice, which is flagged.
                flagged = plan.mentoring and self.rng.random() < 0.1
                if flagged:
                    support = Interaction.SupportType.ADVICE
                mode = self.rng.choice(
                    [Interaction.Mode.FACE_TO_FACE] * 3
                    + [Interaction.Mode.PHONE, Interaction.Mode.VIDEO, Interaction.Mode.EMAIL]
                )
                place = {
                    Interaction.Mode.FACE_TO_FACE: self.rng.choice(
                        [Interaction.Place.OUR_PREMISES, Interaction.Place.CLIENT_PREMISES]
                    ),
                    Interaction.Mode.PHONE: Interaction.Place.OTHER,
                }.get(mode, Interaction.Place.ONLINE)
                contacts.append(
                    Interaction(
                        organisation=engagement.organisation,
                        engagement=engagement,
                        occurred_at=self.at(day, self.rng.randint(9, 16)),
                        mode=mode,
                        place=place,
                        duration_minutes=self.rng.choice([15, 30, 45, 60, 90]),
                        consulting_mode=self.rng.choice(list(Interaction.ConsultingMode)).value,
                        support_type=support,
                        advice_in_mentoring=flagged,
                        summary="First conversation about what the client needs."
                        if index == 0
                        else self.rng.choice(JOB_SUMMARIES if individual else SUMMARIES),
                        recorded_by=plan.lead,
                    )
                )
                leads.append(plan.lead)
        Interaction.objects.bulk_create(contacts)
        Interaction.staff.through.objects.bulk_create(
            Interaction.staff.through(interaction_id=c.pk, user_id=lead.pk)
            for c, lead in zip(contacts, leads, strict=True)
        )
        follow_ups = []
        for contact, lead in zip(contacts, leads, strict=True):
            if self.rng.random() < 0.3:
                due = contact.occurred_at.date() + dt.timedelta(days=self.rng.randint(5, 14))
                done = (
                    due - dt.timedelta(days=1)
                    if due < self.today and self.rng.random() < 0.8
                    else None
                )
                follow_ups.append(
                    FollowUp(
                        organisation=contact.organisation,
                        interaction=contact,
                        description=self.rng.choice(
                            [
                                "Send the cash-flow template",
                                "Introduce to the export adviser",
                                "Check the funding application was sent",
                                "Send details of the next workshop",
                            ]
                        ),
                        owner=lead,
                        due_on=due,
                        done_on=done,
                    )
                )
        FollowUp.objects.bulk_create(follow_ups)
        return len(contacts)

    # Referrals (001 E5.07 2.2; 004 j) -----------------------------------------------------------

    def referrals(self, plans: list[Plan], engagements: list[Engagement]) -> int:
        """About forty referrals in every status, with outcomes and a few overdue follow-ups.
        A referral that passes on the client's details is made only with their consent."""
        rng = random.Random(SEED + 1)  # noqa: S311 (demo data; its own seed keeps the rest)
        consenting = {
            consent.client_id
            for consent in Consent.objects.filter(
                kind=Consent.Kind.SHARE_WITH_PARTNERS, withdrawn_on__isnull=True
            )
        }
        services: dict[int, list[Service]] = {}
        for service in Service.objects.filter(is_active=True):
            services.setdefault(service.organisation_id, []).append(service)
        candidates = [
            (plan, engagement)
            for plan, engagement in zip(plans, engagements, strict=True)
            if Status.ACTIVE in dict(plan.steps)
        ]
        rng.shuffle(candidates)
        cycle = [
            Referral.Status.SUGGESTED,
            Referral.Status.MADE,
            Referral.Status.ACCEPTED,
            Referral.Status.ATTENDED,
            Referral.Status.ATTENDED,
            Referral.Status.DECLINED,
            Referral.Status.NO_RESPONSE,
            Referral.Status.MADE,
        ]
        outcomes = {
            Referral.Status.ATTENDED: [
                "Went to the first session; now working on the export plan with them.",
                "Got the grant application checked before it went in.",
                "A one-off meeting answered the legal question.",
            ],
            Referral.Status.DECLINED: ["The client decided the cost was too high."],
            Referral.Status.NO_RESPONSE: ["No reply from the service after two reminders."],
        }
        usefulness = list(Referral.Usefulness.values)
        rows = []
        for number, (plan, engagement) in enumerate(candidates[:40]):
            status = cycle[number % len(cycle)]
            open_only = status in {Referral.Status.MADE, Referral.Status.ACCEPTED}
            if open_only and engagement.status == Status.CLOSED:
                status = Referral.Status.ATTENDED
            dates = dict(plan.steps)
            start = dates[Status.ACTIVE]
            end = dates.get(Status.CLOSED) or self.today
            made_on = start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))
            shares = engagement.client_id in consenting
            service_list = services.get(engagement.organisation_id, [])
            service = rng.choice(service_list) if service_list and number % 3 else None
            if status in {Referral.Status.MADE, Referral.Status.ACCEPTED}:
                # Every third one is overdue: its follow-up date has passed.
                follow_up = (
                    self.today - dt.timedelta(days=rng.randint(1, 10))
                    if number % 3 == 0
                    else self.today + dt.timedelta(days=rng.randint(3, 21))
                )
                made_on = min(made_on, follow_up - dt.timedelta(days=7))
            else:
                follow_up = made_on + dt.timedelta(days=rng.randint(14, 28))
            done = status in outcomes
            rows.append(
                Referral(
                    organisation=engagement.organisation,
                    engagement=engagement,
                    service=service,
                    specialist_name="" if service else rng.choice(SPECIALISTS)[0],
                    specialist_contact="" if service else rng.choice(SPECIALISTS)[1],
                    reason=rng.choice(REFERRAL_REASONS),
                    needs_data_sharing=shares,
                    status=status,
                    made_on=None if status == Referral.Status.SUGGESTED else made_on,
                    follow_up_on=None if status == Referral.Status.SUGGESTED else follow_up,
                    outcome=rng.choice(outcomes[status]) if done else "",
                    usefulness_client=rng.choice(usefulness)
                    if status == Referral.Status.ATTENDED
                    else "",
                    usefulness_adviser=rng.choice(usefulness)
                    if status == Referral.Status.ATTENDED
                    else "",
                    created_by=plan.lead,
                )
            )
        Referral.objects.bulk_create(rows)
        return len(rows)

    def action_plans(self, plans: list[Plan], engagements: list[Engagement]) -> int:
        """A dozen action plans on open engagements (001 E5.08 3.1, 3.2): just started, under
        way, and re-planned with a reason; each change keeps the plan as it stood. Goals whose
        deadline has passed are achieved more often than not (more often for some advisers
        than others). Finished engagements (completed or referred on) have their plans too,
        most of their goals achieved, so that last year's goals count."""
        rng = random.Random(SEED + 2)  # noqa: S311 (demo data; its own seed keeps the rest)
        candidates = [
            (plan, engagement)
            for plan, engagement in zip(plans, engagements, strict=True)
            if engagement.status == Status.ACTIVE and Status.ACTIVE in dict(plan.steps)
        ]
        rng.shuffle(candidates)
        count = 0
        for number, (plan, engagement) in enumerate(candidates[:12]):
            self.action_plan(plan, engagement, rng, stage=number % 3)
            count += 1
        rng = random.Random(SEED + 5)  # noqa: S311 (demo data; its own seed keeps the rest)
        finished = [
            (plan, engagement)
            for plan, engagement in zip(plans, engagements, strict=True)
            if engagement.end_reason in (EndReason.COMPLETED, EndReason.REFERRED_ON)
            and Status.ACTIVE in dict(plan.steps)
        ]
        rng.shuffle(finished)
        for plan, engagement in finished[:30]:
            self.action_plan(plan, engagement, rng, stage=1)
            count += 1
        return count

    def action_plan(
        self, plan: Plan, engagement: Engagement, rng: random.Random, stage: int
    ) -> None:
        """One plan with two goals of two actions each. ``stage`` 0: just started, 1: under
        way, 2: re-planned."""
        dates = dict(plan.steps)
        start = dates[Status.ACTIVE]
        closed_on = dates.get(Status.CLOSED)
        moment = min(
            timezone.make_aware(dt.datetime.combine(start, dt.time(10))),
            self.now - dt.timedelta(days=2),
        )
        action_plan = ActionPlan.objects.create(
            organisation=engagement.organisation,
            engagement=engagement,
            title=f"Action plan for {engagement.client}",
            created_by=plan.lead,
        )

        def change(kind: str, reason: str, when: dt.datetime, target: Any = None) -> None:
            self.plan_change(action_plan, plan.lead, kind, reason, when, target)

        change(PlanChange.Kind.STARTED, "Plan started.", moment)
        individual = plan.programme.name == PATHWAYS_TO_WORK
        first_action = None
        achieved: list[Goal] = []
        for position, (statement, measure, baseline, target, unit, months) in enumerate(
            rng.sample(DEMO_JOB_GOALS if individual else DEMO_GOALS, 2), start=1
        ):
            deadline = start + dt.timedelta(days=30 * months)
            if closed_on is not None:
                deadline = min(deadline, closed_on)
            # A re-planned plan is one where things slipped: its first goal (whose action is
            # blocked) is not met yet. Now and then a goal is met before its deadline.
            done = (stage != 2 or position > 1) and self.achieved(plan.lead.username, deadline)
            goal = Goal.objects.create(
                organisation=engagement.organisation,
                plan=action_plan,
                statement=statement,
                measure=measure,
                baseline=Decimal(baseline),
                target_value=Decimal(target),
                unit=unit,
                deadline=deadline,
                realistic_because="Agreed with the client after looking at the figures.",
                priority=Goal.Priority.HIGH if position == 1 else Goal.Priority.MEDIUM,
                horizon=Goal.Horizon.SHORT if months <= 6 else Goal.Horizon.MEDIUM,
                position=position,
            )
            change(PlanChange.Kind.GOAL_ADDED, "Goal added.", moment, goal)
            for index, (description, owner, resources, risks, contingency) in enumerate(
                rng.sample(DEMO_JOB_ACTIONS if individual else DEMO_ACTIONS, 2), start=1
            ):
                status = Action.Status.NOT_STARTED
                progress = 0
                if done or (stage and index == 1):
                    status, progress = Action.Status.DONE, 100
                elif stage:
                    status, progress = Action.Status.IN_PROGRESS, 40
                action = Action.objects.create(
                    organisation=engagement.organisation,
                    goal=goal,
                    description=description,
                    owner_kind=owner,
                    due_on=min(start + dt.timedelta(days=30 * index), deadline),
                    resources=resources,
                    risks=risks,
                    contingency=contingency,
                    status=status,
                    progress=progress,
                    position=index,
                )
                first_action = first_action or action
                change(PlanChange.Kind.ACTION_ADDED, "Action added.", moment, action)
            if done:
                achieved.append(goal)
        if stage == 2 and first_action is not None:
            first_action.status = Action.Status.BLOCKED
            first_action.progress = 50
            first_action.due_on = first_action.due_on + dt.timedelta(days=28)
            first_action.save()
            change(
                PlanChange.Kind.REPLANNED,
                "The supplier could not deliver on time; moved on four weeks and using the "
                "contingency.",
                self.now - dt.timedelta(days=1),
                first_action,
            )
        for goal in achieved:
            assert goal.deadline is not None
            goal.status = Goal.Status.ACHIEVED
            goal.save()
            when = timezone.make_aware(dt.datetime.combine(goal.deadline, dt.time(15)))
            change(
                PlanChange.Kind.GOAL_CHANGED,
                "Goal achieved.",
                min(max(when, moment), self.now - dt.timedelta(hours=1)),
                goal,
            )

    def achieved(self, lead: str, deadline: dt.date) -> bool:
        """Whether a goal is achieved: each adviser's share of goals met, this year and before
        (``ACHIEVED_SHARE``: Alice's clients meet more and more, Ben's fewer than last year),
        kept to exactly by counting, so that small numbers still show it; half as many are met
        before a deadline still to come."""
        share, before = ACHIEVED_SHARE[lead]
        this_year = period_of(self.today, PeriodKind.FINANCIAL_YEAR)
        if deadline < this_year.start:
            share = before
        if deadline >= self.today:
            share /= 2
        key = (lead, deadline >= this_year.start, deadline >= self.today)
        seen, met = self.goal_tally.get(key, (0, 0))
        done = met + 1 <= int(share * (seen + 1) + 0.5)
        self.goal_tally[key] = (seen + 1, met + done)
        return done

    def plan_change(
        self,
        action_plan: ActionPlan,
        by: User,
        kind: str,
        reason: str,
        when: dt.datetime,
        target: Any = None,
    ) -> None:
        from waypoint.delivery.services.action_plans import _snapshot

        PlanChange.objects.create(
            organisation_id=action_plan.organisation_id,
            plan=action_plan,
            occurred_at=when,
            by=by,
            reason=reason,
            kind=kind,
            target_type=type(target).__name__.lower() if target is not None else "",
            target_id=target.pk if target is not None else None,
            snapshot=_snapshot(action_plan),
        )


DEMO_GOALS = [
    ("Grow monthly turnover", "monthly turnover", "8000", "12000", "£", 12),
    ("Take on apprentices", "apprentices employed", "0", "2", "jobs", 9),
    ("Win new trade customers", "trade customers", "3", "8", "customers", 6),
    ("Improve the gross margin", "gross margin", "28", "35", "%", 6),
    ("Cut debtor days", "debtor days", "62", "40", "days", 4),
]
DEMO_JOB_GOALS = [
    ("Move into paid work", "hours of paid work a week", "0", "16", "hours", 6),
    ("Gain the food hygiene certificate", "certificates gained", "0", "1", "certificates", 3),
    ("Apply for more jobs each week", "applications a week", "1", "5", "applications", 2),
    ("Feel ready for interviews", "confidence, out of 10", "3", "7", "out of 10", 3),
]
# Lead adviser -> (share of goals achieved by their deadline this year, last year).
ACHIEVED_SHARE = {
    "alice.moss": (0.75, 0.5),
    "ben.ali": (0.45, 0.65),
    "chris.doyle": (0.6, 0.6),
    "tom.hughes": (0.5, 0.4),
}
DEMO_JOB_ACTIONS = [
    (
        "Update the CV with the volunteering experience",
        Action.OwnerKind.CLIENT,
        "The job club's CV template",
        "Not sure what to include",
        "Go through it together at the next session",
    ),
    (
        "Book onto the college's short course",
        Action.OwnerKind.ADVISER,
        "The adviser's contact at Northshire College",
        "The course is full",
        "Take the online version instead",
    ),
    (
        "Practise interview answers with a friend",
        Action.OwnerKind.CLIENT,
        "The list of common questions",
        "Nerves on the day",
        "A mock interview with the adviser first",
    ),
]
DEMO_ACTIONS = [
    (
        "Price up the trade range",
        Action.OwnerKind.CLIENT,
        "Supplier price lists",
        "Suppliers slow to reply",
        "Use last year's prices plus 5%",
    ),
    (
        "Introduce the client to the local college",
        Action.OwnerKind.ADVISER,
        "The adviser's college contact",
        "No applicants this term",
        "Advertise through the job centre",
    ),
    (
        "Send invoices on delivery and chase at 30 days",
        Action.OwnerKind.CLIENT,
        "Accounting software's reminders",
        "Customers push back",
        "Offer a small discount for early payment",
    ),
    (
        "Draft a one-page marketing plan",
        Action.OwnerKind.CLIENT,
        "The programme's marketing workshop",
        "Not enough time in the busy season",
        "Do it in two short sessions with the adviser",
    ),
]


SPECIALISTS = [
    ("Priya Shah, export accountant", "priya@example.org"),
    ("Tom Reed, employment solicitor", "01632 960123"),
    ("Northshire Credit Union", "https://example.org/credit-union"),
]
REFERRAL_REASONS = [
    "Export paperwork and customs need a specialist.",
    "A legal question about contracts is beyond the programme.",
    "The client needs finance the programme does not offer.",
    "A mentor with sector experience would suit the client better.",
    "Help with confidence and wellbeing before looking for work.",
]
