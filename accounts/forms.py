"""Login forms that say when log-ins are locked out, rather than "wrong password"."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .lockout import is_locked_out, refusal


class LockoutMessageMixin:
    """Report a lockout or slowdown as the form's error; the answer becomes a 429."""

    def get_invalid_login_error(self) -> ValidationError:
        if is_locked_out(self.request):
            why = refusal(self.request)
            return ValidationError(why.message, code=why.code)
        return super().get_invalid_login_error()


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """The login page's form."""


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's login form."""
