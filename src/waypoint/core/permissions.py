"""Who may do what: one policy object per model (Wagtail's permission policies are the model).

A policy answers two questions, always the same way:
- ``restrict(queryset, user, action)``: the rows the user may act on (lists, exports, API);
- ``allows(user, action, obj)`` / ``can_add(user, organisation)``: one record, or a new one.

Actions are ``view``, ``add``, ``change``, ``delete`` and ``audit`` (read a record's history).
Each policy is also registered with django-rules as ``<app>.<action>_<model>``, so templates
and ``user.has_perm`` ask the same policy. Views never test roles themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import rules
from django.db import models
from django.db.models import Q

from waypoint.core.roles import MANAGING_ROLES, Role, has_role, organisations_with_role

ACTIONS = ("view", "add", "change", "delete", "audit")
NOTHING = Q(pk__in=[])

_registry: dict[type[models.Model], Policy] = {}


class Policy:
    """Base policy: nobody but a superuser may do anything. Subclasses open up ``scope``."""

    model: type[models.Model]

    def scope(self, user: Any, action: str) -> Q:
        """The filter for rows the (active, non-superuser) user may act on."""
        return NOTHING

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        return bool(user.is_authenticated and user.is_active and user.is_superuser)

    def can_any(self, user: Any, action: str) -> bool:
        """Whether the user may do ``action`` to at least some records of this kind."""
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        if action == "add":
            return self.can_add(user)
        return self.scope(user, action) != NOTHING

    def restrict(self, queryset: models.QuerySet[Any], user: Any, action: str) -> Any:
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}; expected one of {ACTIONS}.")
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return queryset.none()
        if user.is_superuser:
            return queryset
        condition = self.scope(user, action)
        if condition == NOTHING:
            return queryset.none()
        return queryset.filter(condition)

    def allows(self, user: Any, action: str, obj: models.Model | None = None) -> bool:
        if obj is None:
            return self.can_any(user, action)
        if action == "add":
            return self.can_add(user, getattr(obj, "organisation_id", None))
        manager = type(obj)._default_manager
        return bool(self.restrict(manager.filter(pk=obj.pk), user, action).exists())


class OrganisationScopedPolicy(Policy):
    """Records with an ``organisation``: who may act depends on their roles there.

    ``None`` for view roles means any role in the organisation.
    """

    organisation_field = "organisation"
    view_roles: frozenset[str] | None = None
    change_roles: frozenset[str] = frozenset({Role.ADMINISTRATOR})
    audit_roles: frozenset[str] = MANAGING_ROLES

    def roles_for(self, action: str) -> frozenset[str] | None:
        if action == "view":
            return self.view_roles
        if action == "audit":
            return self.audit_roles
        return self.change_roles

    def organisations_for(self, user: Any, action: str) -> set[int]:
        return organisations_with_role(user, self.roles_for(action))

    def scope(self, user: Any, action: str) -> Q:
        organisations = self.organisations_for(user, action)
        if not organisations:
            return NOTHING
        return Q(**{f"{self.organisation_field}__in": organisations})

    def can_add(self, user: Any, organisation_id: int | None = None) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        roles = self.roles_for("add")
        if organisation_id is None:
            return bool(organisations_with_role(user, roles))
        return has_role(user, organisation_id, roles)

    def organisations_for_add(self, user: Any) -> set[int] | None:
        """Organisations where the user may create records (None: all, for a superuser)."""
        if user.is_superuser:
            return None
        return organisations_with_role(user, self.roles_for("add"))


def register(model: type[models.Model]) -> Callable[[type[Policy]], type[Policy]]:
    """Class decorator: make ``policy_class`` the policy of ``model`` and tell django-rules."""

    def decorator(policy_class: type[Policy]) -> type[Policy]:
        policy = policy_class()
        policy.model = model
        _registry[model] = policy
        _register_rules(model, policy)
        return policy_class

    return decorator


def _register_rules(model: type[models.Model], policy: Policy) -> None:
    for action in ACTIONS:
        name = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        if rules.perm_exists(name):
            rules.remove_perm(name)
        rules.add_perm(name, rules.predicate(_checker(policy, action), name=name))


def _checker(policy: Policy, action: str) -> Callable[..., bool]:
    def check(user: Any, obj: Any = None) -> bool:
        return policy.allows(user, action, obj)

    return check


def policy_for(model: type[models.Model]) -> Policy:
    try:
        return _registry[model]
    except KeyError:
        for base in model.__mro__[1:]:
            if base in _registry:
                return _registry[base]
        raise LookupError(
            f"{model.__name__} has no permission policy; register one in its app's policies.py."
        ) from None


def registered_models() -> Iterable[type[models.Model]]:
    return list(_registry)
