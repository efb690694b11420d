"""Pages for agreements: draft, edit, offer, record acceptance, new version, print, and the
client's signed link (no account needed)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views import View

from waypoint.core.permissions import policy_for
from waypoint.core.viewkit import PolicyViewMixin, apply_validation_error, get_object_for
from waypoint.delivery.forms_records import AcceptanceForm, AgreementForm, ClientAcceptanceForm
from waypoint.delivery.models import Agreement, Engagement
from waypoint.delivery.services import agreements as services
from waypoint.delivery.signing import (
    LinkExpired,
    LinkInvalid,
    agreement_link_path,
    read_token,
    terms_fingerprint,
)


def engagement_url(engagement: Engagement) -> str:
    """The engagement's page (the engagement list while that page is not there)."""
    try:
        return engagement.get_absolute_url()
    except NoReverseMatch:
        return reverse("delivery:engagement-list")


def _versions(agreement: Agreement) -> Any:
    return agreement.engagement.agreements.order_by("-version").only(
        "pk", "version", "status", "type", "accepted_at", "engagement_id"
    )


class AgreementViewMixin(PolicyViewMixin):
    # Whoever sees no engagement at all has no business here (403); the agreement itself
    # follows its engagement (404 when out of scope).
    policy_model = Engagement


class AgreementCreateView(PolicyViewMixin, View):
    """Draft the engagement's agreement (the next version)."""

    policy_model = Engagement

    template_name = "delivery/agreement_form.html"

    def _engagement(self, request: HttpRequest, engagement_pk: int) -> Engagement:
        engagement: Engagement = get_object_for(
            request.user, Engagement, "change", pk=engagement_pk
        )
        return engagement

    def _render(self, request: HttpRequest, engagement: Engagement, form: Any) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "engagement": engagement,
                "title": f"New agreement for {engagement.client}",
                "cancel_url": engagement_url(engagement),
            },
        )

    def get(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        open_version = (
            engagement.agreements.filter(status__in=services.EDITABLE_STATUSES)
            .order_by("-version")
            .first()
        )
        if open_version is not None:
            messages.info(
                request, f"Version {open_version.version} is not accepted yet: change that one."
            )
            return redirect(open_version)
        programme = engagement.programme
        form = AgreementForm(
            initial={
                "review_every": programme.default_review_every,
                "review_unit": programme.default_review_unit,
                "review_depth": programme.default_review_depth,
            }
        )
        return self._render(request, engagement, form)

    def post(self, request: HttpRequest, engagement_pk: int) -> HttpResponse:
        engagement = self._engagement(request, engagement_pk)
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                agreement = services.agreement_draft(
                    engagement=engagement, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Agreement version {agreement.version} drafted.")
                return redirect(agreement)
        return self._render(request, engagement, form)


class AgreementEditView(AgreementViewMixin, View):
    template_name = "delivery/agreement_form.html"

    def _agreement(self, request: HttpRequest, pk: int) -> Agreement:
        agreement: Agreement = get_object_for(request.user, Agreement, "change", pk=pk)
        return agreement

    def _render(self, request: HttpRequest, agreement: Agreement, form: Any) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "engagement": agreement.engagement,
                "agreement": agreement,
                "title": f"Edit agreement version {agreement.version}",
                "cancel_url": agreement.get_absolute_url(),
            },
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        agreement = self._agreement(request, pk)
        if agreement.status not in services.EDITABLE_STATUSES:
            messages.error(request, "An accepted agreement is never changed: start a new version.")
            return redirect(agreement)
        return self._render(request, agreement, AgreementForm(instance=agreement))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        agreement = self._agreement(request, pk)
        form = AgreementForm(request.POST, instance=agreement)
        if form.is_valid():
            try:
                services.agreement_update(
                    agreement=agreement, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Agreement saved.")
                return redirect(agreement)
        return self._render(request, agreement, form)


class AgreementDetailView(AgreementViewMixin, View):
    template_name = "delivery/agreement_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        agreement: Agreement = get_object_for(request.user, Agreement, "view", pk=pk)
        policy = policy_for(Agreement)
        can_change = policy.allows(request.user, "change", agreement)
        editable = agreement.status in services.EDITABLE_STATUSES
        client_link = ""
        if can_change and agreement.status == Agreement.Status.OFFERED:
            client_link = request.build_absolute_uri(agreement_link_path(agreement))
        return render(
            request,
            self.template_name,
            {
                "agreement": agreement,
                "engagement": agreement.engagement,
                "engagement_url": engagement_url(agreement.engagement),
                "versions": _versions(agreement),
                "can_change": can_change,
                "can_audit": policy.allows(request.user, "audit", agreement),
                "editable": editable,
                "client_link": client_link,
                "acceptance_form": AcceptanceForm() if can_change and editable else None,
            },
        )


def _action(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponse:
    agreement: Agreement = get_object_for(request.user, Agreement, "change", pk=pk)
    try:
        result = act(agreement)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(agreement)
    messages.success(request, done.format(agreement=result))
    return redirect(result)


class AgreementOfferView(AgreementViewMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _action(
            request,
            pk,
            lambda a: services.agreement_offer(agreement=a, acting_user=request.user),
            "Version {agreement.version} offered: copy the client link below to send it.",
        )


class AgreementNewVersionView(AgreementViewMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _action(
            request,
            pk,
            lambda a: services.agreement_new_version(agreement=a, acting_user=request.user),
            "Version {agreement.version} drafted from the one before: change what is new.",
        )


class AgreementAcceptView(AgreementViewMixin, View):
    """The adviser records the client's acceptance in person, by phone or by email."""

    template_name = "delivery/agreement_accept.html"

    def _render(self, request: HttpRequest, agreement: Agreement, form: Any) -> HttpResponse:
        return render(request, self.template_name, {"agreement": agreement, "form": form})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        agreement: Agreement = get_object_for(request.user, Agreement, "change", pk=pk)
        return self._render(request, agreement, AcceptanceForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        agreement: Agreement = get_object_for(request.user, Agreement, "change", pk=pk)
        form = AcceptanceForm(request.POST)
        if form.is_valid():
            try:
                agreement = services.agreement_accept(
                    agreement=agreement,
                    accepted_by_name=form.cleaned_data["accepted_by_name"],
                    via=form.cleaned_data["via"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Acceptance of version {agreement.version} recorded.")
                return redirect(agreement)
        return self._render(request, agreement, form)


class AgreementPrintView(AgreementViewMixin, View):
    """A printable copy: every section and the acceptance record, without the site's menus."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        agreement: Agreement = get_object_for(request.user, Agreement, "view", pk=pk)
        return render(request, "delivery/agreement_print.html", {"agreement": agreement})


class AgreementSignedView(View):
    """The client's page through the signed link: read the agreement and accept it.

    No sign-in. A bad token answers 404, an expired one 410, a replaced version 410; none of
    them says anything about the agreement.
    """

    template_name = "delivery/signed_agreement.html"

    def _refuse(
        self, request: HttpRequest, status: int, heading: str, message: str
    ) -> HttpResponse:
        return render(
            request,
            "delivery/signed_unavailable.html",
            {"heading": heading, "message": message},
            status=status,
        )

    def _agreement(self, request: HttpRequest, token: str) -> Agreement | HttpResponse:
        try:
            link = read_token(token)
        except LinkExpired:
            return self._refuse(
                request,
                410,
                "This link has expired",
                "Links to an agreement last a limited time. Ask your adviser to send a new one.",
            )
        except LinkInvalid:
            return self._refuse(
                request,
                404,
                "This link does not work",
                "Check that you copied the whole link, or ask your adviser to send it again.",
            )
        agreement = (
            Agreement.objects.select_related("engagement__client", "engagement__programme")
            .filter(pk=link.agreement_id, version=link.version)
            .first()
        )
        if agreement is None:
            return self._refuse(
                request,
                404,
                "This link does not work",
                "Check that you copied the whole link, or ask your adviser to send it again.",
            )
        replaced = agreement.status == Agreement.Status.SUPERSEDED or (
            agreement.status != Agreement.Status.ACCEPTED
            and agreement.engagement.agreements.filter(version__gt=agreement.version).exists()
        )
        if replaced:
            return self._refuse(
                request,
                410,
                "This agreement has been replaced",
                "There is a newer version of your agreement. Ask your adviser for its link.",
            )
        if (
            agreement.status != Agreement.Status.ACCEPTED
            and terms_fingerprint(agreement) != link.fingerprint
        ):
            return self._refuse(
                request,
                410,
                "This agreement has changed",
                "Your adviser changed the agreement after sending this link. "
                "Ask them for a new link.",
            )
        return agreement

    def _render(self, request: HttpRequest, agreement: Agreement, form: Any) -> HttpResponse:
        return render(request, self.template_name, {"agreement": agreement, "form": form})

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._agreement(request, token)
        if isinstance(found, HttpResponse):
            return found
        return self._render(request, found, ClientAcceptanceForm())

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        found = self._agreement(request, token)
        if isinstance(found, HttpResponse):
            return found
        form = ClientAcceptanceForm(request.POST)
        if found.status == Agreement.Status.ACCEPTED:
            return self._render(request, found, None)
        if form.is_valid():
            try:
                found = services.agreement_accept(
                    agreement=found,
                    accepted_by_name=form.cleaned_data["accepted_by_name"],
                    via=Agreement.AcceptedVia.LINK,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return self._render(request, found, None)
        return self._render(request, found, form)


urlpatterns = [
    path(
        "engagements/<int:engagement_pk>/agreements/new/",
        AgreementCreateView.as_view(),
        name="agreement-create",
    ),
    path("agreements/<int:pk>/", AgreementDetailView.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/edit/", AgreementEditView.as_view(), name="agreement-edit"),
    path("agreements/<int:pk>/offer/", AgreementOfferView.as_view(), name="agreement-offer"),
    path("agreements/<int:pk>/accept/", AgreementAcceptView.as_view(), name="agreement-accept"),
    path(
        "agreements/<int:pk>/new-version/",
        AgreementNewVersionView.as_view(),
        name="agreement-new-version",
    ),
    path("agreements/<int:pk>/print/", AgreementPrintView.as_view(), name="agreement-print"),
    path("agreement/<str:token>/", AgreementSignedView.as_view(), name="agreement-signed"),
]
