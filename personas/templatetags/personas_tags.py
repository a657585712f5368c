"""Numbers for the persona pages' bars: CSS wants a dot, people want their own format."""

from typing import Any

from django import template
from django.utils.formats import number_format

from personas.evidence import gender_text, percent

register = template.Library()


@register.filter
def percent_width(share: Any) -> str:
    """A share (0–1) as a CSS percentage number, never localised (CSS needs the dot)."""
    try:
        return f"{max(0.0, min(1.0, float(share))) * 100:.1f}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def css_number(value: Any) -> str:
    try:
        return f"{float(value):.1f}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def as_percent(share: Any) -> str:
    try:
        return percent(float(share))
    except (TypeError, ValueError):
        return ""


@register.filter
def response_time(minutes: Any) -> str:
    from personas.book import response_time_text

    return response_time_text(minutes if isinstance(minutes, int) else None)


@register.filter
def as_count(value: Any) -> str:
    """A whole number in the reader's format: 316,369 in English, 316.369 in Spanish."""
    try:
        return number_format(int(value), 0, force_grouping=True)
    except (TypeError, ValueError):
        return ""


@register.filter
def gender(value: Any) -> str:
    """A persona's gender: a choice in the reader's language, anything else as written."""
    return gender_text(str(value or ""))
