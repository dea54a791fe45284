"""The one helper that writes the access log. Views call it for every read of a record."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lead.models import AccessLogEntry
from lead.net import client_ip


def access_log_record(
    *,
    request: HttpRequest,
    action: str,
    obj: Any = None,
    outcome: str = AccessLogEntry.Outcome.ALLOWED,
    site: Any = None,
    subject: Any = None,
) -> AccessLogEntry:
    """Append who did ``action`` on ``obj`` at which site, when, and whether it was allowed.

    ``subject`` is whose record ``obj`` belongs to (the participant of a contact, say); by
    default ``obj`` itself."""
    user = request.user if request.user.is_authenticated else None
    site = site if site is not None else getattr(request, "site", None)
    return AccessLogEntry.objects.create(
        user=user,
        user_email=user.email if user else "",
        site=site,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_uuid=getattr(obj, "uuid", None),
        subject_uuid=getattr(subject if subject is not None else obj, "uuid", None),
        path=request.get_full_path()[:500],
        method=request.method or "",
        outcome=outcome,
        ip_address=client_ip(request),
    )
