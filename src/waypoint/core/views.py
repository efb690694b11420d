"""Pages for organisations, teams, people, roles, security settings and audit history."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from waypoint.core import selectors, services
from waypoint.core.filtersets import PersonFilterSet, TeamFilterSet
from waypoint.core.forms import (
    OrganisationForm,
    PersonInviteForm,
    RoleAssignForm,
    RolePoliciesForm,
    TeamForm,
)
from waypoint.core.models import Organisation, RoleAssignment, RolePolicy, Team, User
from waypoint.core.navigation import attention_for
from waypoint.core.permissions import policy_for
from waypoint.core.tables import OrganisationTable, PersonTable, TeamTable
from waypoint.core.viewkit import (
    PolicyListView,
    PolicyViewMixin,
    apply_validation_error,
    get_object_for,
)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure makes the process unhealthy
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["attention"] = attention_for(user)
        context["my_roles"] = selectors.roles_of(person=user, viewer=user)  # type: ignore[arg-type]
        return context


# Organisations ---------------------------------------------------------------------------------


class OrganisationListView(PolicyViewMixin, SingleTableMixin, TemplateView):
    policy_model = Organisation
    template_name = "core/organisation_list.html"
    table_class = OrganisationTable
    table_pagination = {"per_page": 25}

    def get_table_data(self) -> Any:
        return selectors.organisations_for(user=self.request.user)


class OrganisationDetailView(LoginRequiredMixin, TemplateView):
    template_name = "core/organisation_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organisation = get_object_for(user, Organisation, "view", pk=kwargs["pk"])
        context.update(
            organisation=organisation,
            teams=selectors.teams_for(user=user).filter(organisation=organisation),
            can_change=policy_for(Organisation).allows(user, "change", organisation),
            can_audit=policy_for(Organisation).allows(user, "audit", organisation),
            can_set_security=policy_for(RolePolicy).can_add(user, organisation.pk),
            can_add_team=policy_for(Team).can_add(user, organisation.pk),
        )
        return context


class OrganisationEditView(LoginRequiredMixin, View):
    template_name = "core/form.html"

    def _render(self, request: HttpRequest, organisation: Organisation, form: Any) -> HttpResponse:
        from django.shortcuts import render

        return render(
            request,
            self.template_name,
            {
                "form": form,
                "title": f"Edit {organisation}",
                "cancel_url": organisation.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = get_object_for(request.user, Organisation, "change", pk=pk)
        return self._render(request, organisation, OrganisationForm(instance=organisation))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = get_object_for(request.user, Organisation, "change", pk=pk)
        form = OrganisationForm(request.POST, instance=Organisation.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.organisation_update(
                    organisation=organisation,
                    acting_user=request.user,
                    **{f: form.cleaned_data[f] for f in OrganisationForm.Meta.fields},
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Organisation saved.")
                return redirect(organisation)
        return self._render(request, organisation, form)


# Teams -----------------------------------------------------------------------------------------


class TeamListView(PolicyListView):
    policy_model = Team
    template_name = "core/team_list.html"
    table_class = TeamTable
    filterset_class = TeamFilterSet

    def get_queryset(self) -> Any:
        return selectors.teams_for(user=self.request.user)


class TeamDetailView(LoginRequiredMixin, TemplateView):
    template_name = "core/team_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        team = get_object_for(user, Team, "view", pk=kwargs["pk"])
        policy = policy_for(Team)
        context.update(
            team=team,
            members=selectors.team_members(team=team),
            can_change=policy.allows(user, "change", team),
            can_delete=policy.allows(user, "delete", team),
            can_audit=policy.allows(user, "audit", team),
        )
        return context


class TeamFormView(LoginRequiredMixin, View):
    """Create a team (no ``pk``) or edit one."""

    template_name = "core/form.html"

    def _team(self, request: HttpRequest, pk: int | None) -> Team | None:
        return None if pk is None else get_object_for(request.user, Team, "change", pk=pk)

    def _organisations(self, request: HttpRequest, team: Team | None) -> Any:
        if team is not None:
            return None
        allowed = policy_for(Team).organisations_for_add(request.user)  # type: ignore[attr-defined]
        if allowed is not None and not allowed:
            raise PermissionDenied("Your role does not let you add teams.")
        organisations = Organisation.objects.filter(is_active=True)
        return organisations if allowed is None else organisations.filter(pk__in=allowed)

    def _render(self, request: HttpRequest, team: Team | None, form: TeamForm) -> HttpResponse:
        from django.shortcuts import render

        return render(
            request,
            self.template_name,
            {
                "form": form,
                "title": f"Edit team {team}" if team else "New team",
                "cancel_url": team.get_absolute_url() if team else reverse("core:team-list"),
            },
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        team = self._team(request, pk)
        initial = {"name": team.name, "description": team.description} if team else {}
        form = TeamForm(initial=initial, organisations=self._organisations(request, team))
        return self._render(request, team, form)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        team = self._team(request, pk)
        form = TeamForm(request.POST, organisations=self._organisations(request, team))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if team is None:
                    team = services.team_create(
                        organisation=data["organisation"],
                        name=data["name"],
                        description=data["description"],
                        acting_user=request.user,
                    )
                    messages.success(request, f"Team {team} created.")
                else:
                    services.team_update(
                        team=team,
                        name=data["name"],
                        description=data["description"],
                        acting_user=request.user,
                    )
                    messages.success(request, "Team saved.")
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect(team)
        return self._render(request, team, form)


class TeamDeleteView(LoginRequiredMixin, View):
    template_name = "core/confirm_delete.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.shortcuts import render

        team = get_object_for(request.user, Team, "delete", pk=pk)
        members = selectors.team_members(team=team).count()
        return render(
            request,
            self.template_name,
            {
                "object": team,
                "title": f"Delete team {team}?",
                "consequences": [
                    f"{members} role assignment(s) will stay, no longer tied to this team."
                    if members
                    else "The team has no members.",
                    "The deletion is recorded in the audit log.",
                ],
                "cancel_url": team.get_absolute_url(),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        team = get_object_for(request.user, Team, "delete", pk=pk)
        name = str(team)
        services.team_delete(team=team, acting_user=request.user)
        messages.success(request, f"Team {name} deleted.")
        return redirect("core:team-list")


# People and roles -------------------------------------------------------------------------------


class PersonListView(PolicyListView):
    policy_model = User
    template_name = "core/person_list.html"
    table_class = PersonTable
    filterset_class = PersonFilterSet

    def get_queryset(self) -> Any:
        return selectors.people_for(user=self.request.user)

    def can_add(self) -> bool:
        return _assignable(self.request.user) is not None


def _assignable(user: Any) -> tuple[Any, Any] | None:
    """Organisations and teams where ``user`` may assign roles (None: nowhere)."""
    allowed = policy_for(RoleAssignment).organisations_for_add(user)  # type: ignore[attr-defined]
    if allowed is not None and not allowed:
        return None
    organisations = Organisation.objects.filter(is_active=True)
    teams = Team.objects.select_related("organisation")
    if allowed is not None:
        organisations = organisations.filter(pk__in=allowed)
        teams = teams.filter(organisation_id__in=allowed)
    return organisations, teams


def _person_context(user: Any, person: User, form: RoleAssignForm | None = None) -> dict[str, Any]:
    assign_policy = policy_for(RoleAssignment)
    choices = _assignable(user)
    if form is None and choices is not None:
        form = RoleAssignForm(organisations=choices[0], teams=choices[1])
    roles = selectors.roles_of(person=person, viewer=user)
    return {
        "person": person,
        "roles": [(r, assign_policy.allows(user, "delete", r)) for r in roles],
        "assign_form": form,
        "can_audit": policy_for(User).allows(user, "audit", person),
        "can_change": policy_for(User).allows(user, "change", person) and person.pk != user.pk,
    }


class PersonDetailView(LoginRequiredMixin, TemplateView):
    template_name = "core/person_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        person = get_object_for(self.request.user, User, "view", pk=kwargs["pk"])
        context.update(_person_context(self.request.user, person))
        return context


class RoleAssignView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.shortcuts import render

        person = get_object_for(request.user, User, "view", pk=pk)
        choices = _assignable(request.user)
        if choices is None:
            raise PermissionDenied("Your role does not let you assign roles.")
        form = RoleAssignForm(request.POST, organisations=choices[0], teams=choices[1])
        if form.is_valid():
            try:
                assignment = services.role_assign(
                    user=person, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    f"{person} is now {assignment.get_role_display()} "
                    f"at {assignment.organisation}.",
                )
                return redirect(person)
        return render(
            request,
            "core/person_detail.html",
            _person_context(request.user, person, form),
            status=400,
        )


class RoleRevokeView(LoginRequiredMixin, View):
    template_name = "core/confirm_delete.html"

    def _context(self, assignment: RoleAssignment, error: str = "") -> dict[str, Any]:
        return {
            "object": assignment,
            "title": f"Remove the role {assignment.get_role_display()} from {assignment.user}?",
            "consequences": [
                f"{assignment.user} will lose what the role gives them "
                f"at {assignment.organisation}.",
                "The removal is recorded in the audit log.",
            ],
            "error": error,
            "confirm_label": "Remove role",
            "cancel_url": assignment.user.get_absolute_url(),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.shortcuts import render

        assignment = get_object_for(request.user, RoleAssignment, "delete", pk=pk)
        return render(request, self.template_name, self._context(assignment))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.shortcuts import render

        assignment = get_object_for(request.user, RoleAssignment, "delete", pk=pk)
        person = assignment.user
        try:
            services.role_revoke(assignment=assignment, acting_user=request.user)
        except ValidationError as error:
            return render(
                request,
                self.template_name,
                self._context(assignment, " ".join(error.messages)),
                status=400,
            )
        messages.success(request, "Role removed.")
        return redirect(person)


class SecuritySettingsView(LoginRequiredMixin, View):
    template_name = "core/security_settings.html"

    def _organisation(self, request: HttpRequest, pk: int) -> Organisation:
        organisation = get_object_for(request.user, Organisation, "view", pk=pk)
        if not policy_for(RolePolicy).can_add(request.user, organisation.pk):
            raise PermissionDenied("Only the organisation's administrators set security rules.")
        return organisation

    def _render(
        self, request: HttpRequest, organisation: Organisation, form: Any, status: int = 200
    ) -> HttpResponse:
        from django.shortcuts import render

        return render(
            request, self.template_name, {"organisation": organisation, "form": form}, status=status
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = self._organisation(request, pk)
        current = selectors.role_policies_for(organisation=organisation)
        form = RolePoliciesForm(
            initial={"two_factor_roles": [r for r, on in current.items() if on]}
        )
        return self._render(request, organisation, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = self._organisation(request, pk)
        form = RolePoliciesForm(request.POST)
        if form.is_valid():
            try:
                services.role_policies_set(
                    organisation=organisation,
                    two_factor_roles=set(form.cleaned_data["two_factor_roles"]),
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Security settings saved.")
                return redirect(organisation)
        return self._render(request, organisation, form, status=400)


# Audit -----------------------------------------------------------------------------------------


class AuditHistoryView(LoginRequiredMixin, TemplateView):
    """The change history of any audited record, for those its policy lets ``audit`` it."""

    template_name = "core/audit_history.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            model = apps.get_model(kwargs["app_label"], kwargs["model_name"])
            policy_for(model)
        except (LookupError, ValueError):
            raise Http404("No such kind of record.") from None
        obj = get_object_for(self.request.user, model, "audit", pk=kwargs["pk"])
        page = Paginator(selectors.audit_history(obj=obj), 25).get_page(
            self.request.GET.get("page")
        )
        context.update(
            object=obj,
            page=page,
            model_name=model._meta.verbose_name,
            events=selectors.domain_events_for(obj=obj)[:50],
        )
        return context


def audit_url(obj: Any) -> str:
    return reverse("core:audit-history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])


class ProfileRedirectView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponseRedirect:
        return redirect("core:person-detail", pk=request.user.pk)


class PersonInviteView(LoginRequiredMixin, View):
    """Add a person to one of the administrator's organisations and email them an invitation."""

    template_name = "core/form.html"

    def _form(self, request: HttpRequest) -> PersonInviteForm:
        choices = _assignable(request.user)
        if choices is None:
            raise PermissionDenied("Only an organisation's administrators add people.")
        data = request.POST if request.method == "POST" else None
        return PersonInviteForm(data, organisations=choices[0], teams=choices[1])

    def _render(self, request: HttpRequest, form: PersonInviteForm, status: int = 200) -> Any:
        from django.shortcuts import render

        return render(
            request,
            self.template_name,
            {
                "form": form,
                "title": "Add a person",
                "intro": "They get an email with a link to choose their own password.",
                "submit_label": "Add and send invitation",
                "cancel_url": reverse("core:person-list"),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._form(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        if form.is_valid():
            try:
                person = services.person_invite(
                    **form.cleaned_data,
                    base_url=request.build_absolute_uri("/"),
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, f"{person} added; an invitation is on its way to {person.email}."
                )
                return redirect(person)
        return self._render(request, form, status=400)


class PersonActiveView(LoginRequiredMixin, View):
    """Deactivate a person (after confirmation) or reactivate them."""

    template_name = "core/confirm_delete.html"

    def _context(self, person: User, error: str = "") -> dict[str, Any]:
        return {
            "title": f"Deactivate {person}?",
            "consequences": [
                f"{person} will no longer be able to sign in or use the API.",
                "Their records, roles and history stay as they are; you can reactivate them.",
            ],
            "error": error,
            "confirm_label": "Deactivate",
            "cancel_url": person.get_absolute_url(),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.shortcuts import render

        person = get_object_for(request.user, User, "change", pk=pk)
        return render(request, self.template_name, self._context(person))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.shortcuts import render

        person = get_object_for(request.user, User, "change", pk=pk)
        active = request.POST.get("active") == "true"
        try:
            services.person_set_active(person=person, active=active, acting_user=request.user)
        except ValidationError as error:
            return render(
                request,
                self.template_name,
                self._context(person, " ".join(error.messages)),
                status=400,
            )
        messages.success(request, f"{person} {'reactivated' if active else 'deactivated'}.")
        return redirect(person)
