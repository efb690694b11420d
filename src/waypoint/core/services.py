"""Writes for core: one function per business action (STYLE.md).

Each runs in a transaction, checks the acting user's permission through the model's policy,
validates with ``full_clean`` and saves; django-auditlog writes the change record in the same
transaction. A ``ValidationError`` names the field at fault.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction

from waypoint.core.audit import record_event
from waypoint.core.models import Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.permissions import policy_for
from waypoint.core.roles import Role, forget_roles


def require_permission(user: Any, action: str, obj: Any) -> None:
    """Raise PermissionDenied unless the policy of ``obj`` allows ``action`` to ``user``."""
    if not policy_for(type(obj)).allows(user, action, obj):
        raise PermissionDenied(f"You may not {action} this {type(obj)._meta.verbose_name}.")


def require_add(user: Any, model: type[models.Model], organisation: Organisation) -> None:
    if not policy_for(model).can_add(user, organisation.pk):
        raise PermissionDenied(f"You may not add a {model._meta.verbose_name} to {organisation}.")


def _save(obj: Any) -> Any:
    """Validate and save. A clash with a row committed at the same moment (after full_clean
    passed) becomes a ValidationError rather than a server error."""
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(
            f"This {obj._meta.verbose_name} clashes with one saved at the same moment; "
            "reload the page and check before trying again."
        ) from None
    return obj


# Organisations ---------------------------------------------------------------------------------


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, acting_user: Any, **changes: Any
) -> Organisation:
    require_permission(acting_user, "change", organisation)
    allowed = {"name", "short_name", "registered_number", "time_zone"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"organisation_update cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(organisation, field, value)
    return _save(organisation)


# Teams -----------------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *, organisation: Organisation, name: str, description: str = "", acting_user: Any
) -> Team:
    require_add(acting_user, Team, organisation)
    return _save(Team(organisation=organisation, name=name.strip(), description=description))


@transaction.atomic
def team_update(*, team: Team, name: str, description: str, acting_user: Any) -> Team:
    require_permission(acting_user, "change", team)
    team.name = name.strip()
    team.description = description
    return _save(team)


@transaction.atomic
def team_delete(*, team: Team, acting_user: Any) -> None:
    """Delete a team. Its members keep their roles, no longer tied to the team."""
    require_permission(acting_user, "delete", team)
    record_event(
        verb="team.deleted",
        obj=team,
        actor=acting_user,
        data={"members": team.role_assignments.count()},
    )
    # Release the members one by one (not the SET_NULL cascade, an unaudited bulk update) so
    # that each role's change is in the audit log.
    for assignment in team.role_assignments.all():
        assignment.team = None
        assignment.save(update_fields=["team", "updated_at"])
    team.delete()


# Roles -----------------------------------------------------------------------------------------


@transaction.atomic
def role_assign(
    *,
    user: User,
    organisation: Organisation,
    role: str,
    team: Team | None = None,
    acting_user: Any,
) -> RoleAssignment:
    require_add(acting_user, RoleAssignment, organisation)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a Waypoint role."})
    assignment = _save(RoleAssignment(user=user, organisation=organisation, role=role, team=team))
    if user.home_organisation_id is None:
        user.home_organisation = organisation
        user.save(update_fields=["home_organisation"])
    forget_roles(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, acting_user: Any) -> None:
    require_permission(acting_user, "delete", assignment)
    if assignment.role == Role.ADMINISTRATOR and _last_administrator(assignment):
        raise ValidationError(
            "This is the organisation's last administrator; appoint another before removing it."
        )
    assignment.delete()
    forget_roles(assignment.user)


def _last_administrator(assignment: RoleAssignment) -> bool:
    others = RoleAssignment.objects.filter(
        organisation_id=assignment.organisation_id,
        role=Role.ADMINISTRATOR,
        user__is_active=True,
    ).exclude(pk=assignment.pk)
    return not others.exists()


# Security settings -----------------------------------------------------------------------------


@transaction.atomic
def role_policies_set(
    *, organisation: Organisation, two_factor_roles: set[str], acting_user: Any
) -> list[RolePolicy]:
    """Set the roles that must use two-factor sign-in; one audit entry per changed role."""
    require_add(acting_user, RolePolicy, organisation)
    unknown = set(two_factor_roles) - set(Role.values)
    if unknown:
        raise ValidationError({"two_factor_roles": f"Unknown roles: {', '.join(sorted(unknown))}"})
    existing = {p.role: p for p in RolePolicy.objects.filter(organisation=organisation)}
    changed: list[RolePolicy] = []
    for role in Role.values:
        wanted = role in two_factor_roles
        policy = existing.get(role)
        if policy is None and not wanted:
            continue
        if policy is None:
            policy = RolePolicy(organisation=organisation, role=role)
        elif policy.require_two_factor == wanted:
            continue
        policy.require_two_factor = wanted
        changed.append(_save(policy))
    newly_required = [p.role for p in changed if p.require_two_factor]
    if newly_required:
        _revoke_api_tokens(organisation=organisation, roles=newly_required, acting_user=acting_user)
    return changed


def _revoke_api_tokens(*, organisation: Organisation, roles: list[str], acting_user: Any) -> None:
    """API tokens issued before two-factor became required must be asked for again, with a code."""
    from rest_framework.authtoken.models import Token

    holders = RoleAssignment.objects.filter(organisation=organisation, role__in=roles)
    revoked = Token.objects.filter(user__in=holders.values("user_id"))
    count = revoked.count()
    if count:
        revoked.delete()
        record_event(
            verb="api_tokens.revoked",
            organisation=organisation,
            actor=acting_user,
            data={"reason": "two-factor sign-in now required", "roles": roles, "tokens": count},
        )


# People ----------------------------------------------------------------------------------------


@transaction.atomic
def person_invite(
    *,
    organisation: Organisation,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    team: Team | None = None,
    job_title: str = "",
    base_url: str,
    acting_user: Any,
) -> User:
    """Add a person with a role, and email them a link to choose their own password.

    Nobody but the person ever knows the password. The email is sent after the commit.
    """
    require_add(acting_user, RoleAssignment, organisation)
    user = User(
        username=username.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        job_title=job_title.strip(),
        home_organisation=organisation,
    )
    user.set_unusable_password()
    _save(user)
    if role not in Role.values:
        raise ValidationError({"role": f"{role!r} is not a Waypoint role."})
    _save(RoleAssignment(user=user, organisation=organisation, role=role, team=team))
    record_event(verb="person.invited", obj=user, organisation=organisation, actor=acting_user)
    transaction.on_commit(lambda: _send_invitation(user, organisation, base_url))
    return user


def _send_invitation(user: User, organisation: Organisation, base_url: str) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "organisation": organisation, "link": base_url.rstrip("/") + path}
    send_mail(
        subject=f"Your Waypoint account at {organisation}",
        message=render_to_string("accounts/invitation_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def person_set_active(*, person: User, active: bool, acting_user: Any) -> User:
    """Deactivate (sign-in refused, records kept) or reactivate a person."""
    require_permission(acting_user, "change", person)
    if person.pk == getattr(acting_user, "pk", None) and not active:
        raise ValidationError("You cannot deactivate your own account.")
    if person.is_active == active:
        return person
    person.is_active = active
    person.save(update_fields=["is_active"])
    if not active:
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=person).delete()
    record_event(
        verb="person.reactivated" if active else "person.deactivated",
        obj=person,
        organisation=person.home_organisation,
        actor=acting_user,
    )
    return person
