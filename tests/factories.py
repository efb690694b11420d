"""factory_boy factories for core. Each app's tests add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory

from waypoint.core.models import Organisation, RoleAssignment, Team, User
from waypoint.core.roles import Role

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.PROVIDER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.ADVISER


def person(
    username: str,
    first_name: str,
    *,
    role: str | None = None,
    organisation: Organisation | None = None,
    team: Team | None = None,
    **fields: object,
) -> User:
    """A person with one role (or none), their home organisation set."""
    user = UserFactory(
        username=username,
        first_name=first_name,
        last_name="Tester",
        home_organisation=organisation,
        **fields,
    )
    if role is not None and organisation is not None:
        RoleAssignmentFactory(user=user, organisation=organisation, role=role, team=team)
    return user
