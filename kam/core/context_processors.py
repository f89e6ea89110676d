from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .models import Notification


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    """The main navigation; a section appears once its pages exist and the user may see it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        ("my_day", _("My day"), "home"),
        ("accounts", _("Accounts"), "accounts:list"),
        ("plans", _("Plans"), "plans:list"),
        ("actions", _("Actions"), "plans:actions"),
        ("renewals", _("Renewals"), "renewals:pipeline"),
        ("dashboard", _("Dashboard"), "dashboard"),
    ]
    nav = [
        {"key": key, "label": label, "url": url}
        for key, label, name in items
        if (url := _url(name)) is not None
    ]
    # Counted only when a template shows the bell: a section an htmx request swaps in does not.
    unread = SimpleLazyObject(
        lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    )
    return {"nav_items": nav, "unread_notifications": unread}
