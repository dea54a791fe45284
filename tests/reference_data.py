"""The rows the data migrations create, put back after a transactional test's flush.

Transactional tests (the browser tests, concurrency tests) end with a flush that empties every
table, the six sites included. Any such test module restores them with this function.
"""

from __future__ import annotations

from importlib import import_module

from django.db import DEFAULT_DB_ALIAS, connections
from django_scopes import scopes_disabled

# Every data migration whose rows restore_reference_data() puts back.
DATA_MIGRATIONS = {
    ("sites", "0002_the_six_new_mexico_sites"),
    ("sites", "0003_referral_settings_and_notifications"),
    ("referrals", "0002_eligibility_items_from_site_settings"),
    # Renames role groups; role_groups_sync_all() below recreates them under the new names.
    ("sites", "0006_role_groups_keyed_by_site_id"),
}


def restore_reference_data() -> None:
    """Idempotent: the six sites with their prefixes, checklists and role groups."""
    from referrals.models import EligibilityItem
    from sites.models import Site
    from sites.services import role_groups_sync_all

    six = import_module("sites.migrations.0002_the_six_new_mexico_sites")
    prefixes = import_module("sites.migrations.0003_referral_settings_and_notifications").PREFIXES
    with scopes_disabled():
        for name, slug, county, deadline in six.SITES:
            site, created = Site.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "county": county,
                    "intake_deadline_days": deadline,
                    "referral_prefix": prefixes[slug],
                },
            )
            if created:
                for position, text in enumerate(six.ELIGIBILITY):
                    EligibilityItem.objects.create(site=site, text=text, position=position)
        role_groups_sync_all()


ACCESS_LOG_TRUNCATE_TRIGGER = "lead_access_log_no_truncate"


def access_log_truncate_trigger(*, enable: bool) -> None:
    """lead/migrations/0003 makes the access log refuse TRUNCATE, which the flush after a
    transactional test runs; its row-level UPDATE/DELETE trigger always stays on."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE lead_accesslogentry {'ENABLE' if enable else 'DISABLE'} "
            f"TRIGGER {ACCESS_LOG_TRUNCATE_TRIGGER}"
        )
