from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

from kam.core import rights

register = template.Library()

SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "KRW": "₩"}
NO_DECIMALS = {"JPY", "KRW"}


@register.filter
def money(amount, currency: str = "JPY") -> str:
    """An amount with its currency, grouped for the active language: ¥12,000,000."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    currency = (currency or "JPY").upper()
    places = 0 if currency in NO_DECIMALS else 2
    text = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{symbol}{text}"
    return f"{text} {currency}"


@register.filter
def compact_money(amount, currency: str = "JPY") -> str:
    """Large amounts the way each language reads them: 1.2億円 / ¥120M."""
    if amount in (None, ""):
        return "—"
    value = Decimal(amount)
    currency = (currency or "JPY").upper()
    if currency == "JPY" and (get_language() or "ja").startswith("ja"):
        if abs(value) >= 100_000_000:
            return f"{value / 100_000_000:.1f}億円"
        if abs(value) >= 10_000:
            return f"{value / 10_000:,.0f}万円"
        return f"{value:,.0f}円"
    symbol = SYMBOLS.get(currency, currency + " ")
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(value) >= limit:
            return f"{symbol}{value / limit:.1f}{suffix}"
    return f"{symbol}{value:,.0f}"


@register.filter
def percent(ratio, places: int = 0) -> str:
    if ratio is None or ratio == "":
        return "—"
    return f"{float(ratio) * 100:.{int(places)}f}%"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (sorting, paging links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def may(context, act: str, obj, within=None) -> bool:
    """Whether the person viewing may do this to obj (kam.core.rights), for showing or hiding
    a control: `{% may "delete" need plan as can_delete %}`. The server asks again on save."""
    request = context.get("request")
    if request is None or obj is None:
        return False
    return rights.allowed(request.user, rights.Act(act), obj, within=within)


@register.simple_tag(takes_context=True)
def may_sign_off(context, review) -> bool:
    """Whether the person viewing signs off this plan review (kam.core.rights)."""
    request = context.get("request")
    if request is None or review is None or review.state != "submitted":
        return False
    return rights.sign_off_refusal(request.user, review) is None
