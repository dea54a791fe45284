"""Membership events for the apps above ``sites``.

``sites`` sits below the apps that keep row grants (restricted participant records), so it
cannot clean them up itself without importing upward. It announces the event instead; each
app that grants access row by row removes what the membership allowed. Receivers run inside
the service's transaction: if one fails, the membership change rolls back with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# membership_ended(site, user, by): the user no longer works at the site.
membership_ended = Signal()
# membership_changed(membership, by): the user's role at the site changed.
membership_changed = Signal()
