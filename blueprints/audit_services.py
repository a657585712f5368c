"""Writes of the design audit: dismissing a finding with a reason, and taking it back.

Keyword-only services that validate, write and log. A dismissal is not a change of the
blueprint's content, so it is not one of the blueprint's live events: "Undo my last change"
on the board never reaches back to it, and it never moves the board's sequence number.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from blueprints import audit
from blueprints.models import REASON_MAX, Blueprint, FindingDismissal
from blueprints.review_selectors import review_data

UNKNOWN_RULE = _("No audit rule is called “{rule}”.")
NO_SUCH_FINDING = _("This blueprint has no such finding (it may have been fixed meanwhile).")
REASON_REQUIRED = _("Say why this finding does not apply.")
REASON_TOO_LONG = _("Keep the reason under {most} characters.")

logger = logging.getLogger(__name__)


@transaction.atomic
def audit_finding_dismiss(
    *, blueprint: Blueprint, rule: str, key: str, reason: str, actor: Any
) -> tuple[FindingDismissal, bool]:
    """Dismiss the finding (`rule`, `key`) of `blueprint` for `reason`; answers the dismissal
    and whether it is new (dismissing again rewords the reason)."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if rule not in audit.RULES:
        errors["rule"] = [str(UNKNOWN_RULE).format(rule=rule)]
    if not reason:
        errors["reason"] = [str(REASON_REQUIRED)]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [str(REASON_TOO_LONG).format(most=REASON_MAX)]
    if errors:
        raise ValidationError(errors)
    keys = {finding.key for finding in audit.audit(review_data(blueprint)) if finding.rule == rule}
    if key not in keys:
        raise ValidationError({"key": [str(NO_SUCH_FINDING)]})
    user = actor if actor is not None and actor.is_authenticated else None
    dismissal, created = FindingDismissal.objects.select_for_update().get_or_create(
        blueprint=blueprint,
        rule=rule,
        key=key,
        defaults={"reason": reason, "dismissed_by": user},
    )
    if not created:
        dismissal.reason = reason
        dismissal.dismissed_by = user
        dismissal.full_clean()
        dismissal.save(update_fields=["reason", "dismissed_by", "dismissed_at"])
    logger.info("Finding %s %s of blueprint %s dismissed", rule, key, blueprint.pk)
    return dismissal, created


@transaction.atomic
def audit_finding_restore(*, dismissal: FindingDismissal, actor: Any) -> None:
    """Take a dismissal back: the finding counts as open again."""
    logger.info(
        "Finding %s %s of blueprint %s restored",
        dismissal.rule,
        dismissal.key,
        dismissal.blueprint_id,
    )
    dismissal.delete()
