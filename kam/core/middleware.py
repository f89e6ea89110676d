from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, reswap, trigger_client_event

from . import rights, signin
from .security_log import current_request


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _to_sign_in(request, url: str):
    """Send the browser to a sign-in step; htmx is told to load the page rather than swap it."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionLimitsMiddleware:
    """Ends a signed-in session after its idle or absolute limit (kam.core.signin)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and signin.session_expired(request):
            logout(request)
            messages.info(request, _("You were signed out after a while away. Please sign in."))
            login = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
            return _to_sign_in(request, login)
        return self.get_response(request)


# Pages a signed-in person still reaches before the second step.
TWO_STEP_OPEN = ("login_two_step", "two_step_setup", "logout", "set_language")


class TwoStepMiddleware:
    """Asks for the one-time code of a person who set one up, and has a person whose role
    requires two-step sign-in set it up before anything else (Django admin included)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths: tuple[str, ...] | None = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            if user.two_step_enabled:
                step = "login_two_step"
            elif signin.two_step_required(user):
                step = "two_step_setup"
            else:
                step = None
            if step and not self._is_open(request.path):
                url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
                return _to_sign_in(request, url)
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self.open_paths is None:
            self.open_paths = tuple(reverse(name) for name in TWO_STEP_OPEN)
        # Exact pages only: what lies under them (new recovery codes) needs the second step.
        return path in self.open_paths or path.startswith(settings.STATIC_URL)


class PrivateCacheMiddleware:
    """Nothing a signed-in person sees, downloads included, stays in a shared PC's cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class RefusalMiddleware:
    """A write the rights refuse (kam.core.rights.Refused) answers 403 with the reason.

    A plain request gets the 403 page, which shows it. An htmx request swaps nothing and has
    the reason shown above the page (the `kam:message` event, static/js/kam.js), so the page
    keeps what it showed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, rights.Refused) or not getattr(request, "htmx", False):
            return None
        response = HttpResponse(str(exception.message), status=403)
        reswap(response, "none")
        return trigger_client_event(
            response, "kam:message", {"text": str(exception.message), "level": "error"}
        )


class RequestContextMiddleware:
    """Makes the request being served known to the security log (kam.core.security_log), so
    that an event written deep in a service still says who and from which address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
