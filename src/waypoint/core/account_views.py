"""Sign-in, sign-out, passwords and two-factor authentication.

Password views are Django's own with Waypoint templates. Lockout after repeated failures is
django-axes (``accounts/locked_out.html``). Two-factor sign-in uses django-otp TOTP devices.
"""

from __future__ import annotations

import base64
import io
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from waypoint.core.audit import record_event
from waypoint.core.forms import TwoFactorCodeForm
from waypoint.core.models import User
from waypoint.core.security import two_factor_required


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/message.html"
    extra_context = {"title": "Password changed", "message": "Your password has been changed."}


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/message.html"
    extra_context = {
        "title": "Check your email",
        "message": "If an account uses that address, we have sent it a link to choose a new "
        "password. The link works once and expires in three days.",
    }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/message.html"
    extra_context = {
        "title": "Password set",
        "message": "Your new password is set. You can sign in with it now.",
    }


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return str(reverse_lazy("core:home"))


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Add an authenticator app: scan the code (or type the key), then confirm with a code."""

    template_name = "accounts/two_factor_setup.html"

    def _device(self, request: HttpRequest) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=request.user, name="Authenticator app", confirmed=False
            )
        return device

    def _render(
        self, request: HttpRequest, device: TOTPDevice, form: TwoFactorCodeForm, status: int = 200
    ) -> HttpResponse:
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "qr_code": _qr_svg(device.config_url),
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                "next": _next_url(request),
                "already": user_has_device(request.user, confirmed=True),
                "required": two_factor_required(request.user),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self._device(request), TwoFactorCodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        device = self._device(request)
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            if device.verify_token(form.cleaned_data["code"]):
                with transaction.atomic():
                    device.confirmed = True
                    device.save()
                    user = cast(User, request.user)
                    record_event(
                        verb="account.two_factor_added",
                        obj=user,
                        actor=user,
                        organisation=user.home_organisation,
                    )
                otp_login(request, device)
                messages.success(request, "Two-factor sign-in is on for your account.")
                return redirect(_next_url(request))
            form.add_error(
                "code",
                "That code did not match. Check the time on your phone and enter the newest code.",
            )
        return self._render(request, device, form, status=400)


class TwoFactorVerifyView(LoginRequiredMixin, View):
    template_name = "accounts/two_factor_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, self.template_name, {"form": TwoFactorCodeForm(), "next": _next_url(request)}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            device = match_token(request.user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error(
                "code",
                "That code did not match. Enter the newest code from your authenticator app.",
            )
        context: dict[str, Any] = {"form": form, "next": _next_url(request)}
        return render(request, self.template_name, context, status=400)
