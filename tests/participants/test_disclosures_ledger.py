"""The disclosures ledger: one append-only row per disclosure, under a consent in force or a
named legal route; bulk rows for exports in one statement."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from lead.models import HistoryBypassError
from participants.models import Disclosure, OrganisationType
from participants.services import consent_record, disclosure_record, disclosures_record_bulk


@pytest.fixture
def consent(participant, case_manager):
    with scopes_disabled():
        return consent_record(
            participant=participant,
            by=case_manager,
            discloser="Taos LEAD",
            recipient="Taos County District Attorney",
            information="Enrolment and attendance",
            purpose="Operational Work Group case conferencing",
            expires_on=timezone.localdate() + timedelta(days=90),
            revocation_explained=True,
            signed_on=timezone.localdate(),
            signature_method="paper",
        )


def _record(participant, by, **overrides):
    fields = {
        "recipient_type": OrganisationType.DISTRICT_ATTORNEY,
        "recipient_name": "Taos County District Attorney",
        "information": "Enrolment and attendance",
        "purpose": "Case conferencing",
        "legal_basis": Disclosure.LegalBasis.CONSENT,
        "channel": Disclosure.Channel.MEETING,
        **overrides,
    }
    with scopes_disabled():
        return disclosure_record(participant=participant, by=by, **fields)


def test_a_disclosure_under_a_consent_in_force_is_recorded(participant, case_manager, consent):
    row = _record(participant, case_manager, consent=consent, reference_uuid=uuid.uuid4())
    with scope(site=participant.site):
        assert list(participant.disclosures.all()) == [row]
    assert row.disclosed_by == case_manager and row.consent == consent


def test_a_disclosure_under_consent_without_one_in_force_is_refused(
    participant, case_manager, consent
):
    with pytest.raises(ValidationError):
        _record(participant, case_manager)  # names no consent
    with scopes_disabled():
        from participants.services import consent_revoke

        consent_revoke(consent=consent, by=case_manager)
    with pytest.raises(ValidationError):
        _record(participant, case_manager, consent=consent)


def test_another_participants_consent_does_not_cover_a_disclosure(
    participant, make_participant, case_manager, consent
):
    other = make_participant(legal_first_name="Other")
    with pytest.raises(ValidationError):
        _record(other, case_manager, consent=consent)


def test_the_ledger_is_append_only_in_the_application_and_the_database(
    participant, case_manager, consent
):
    row = _record(participant, case_manager, consent=consent)
    row.purpose = "changed"
    with pytest.raises(HistoryBypassError):
        row.save()
    with pytest.raises(HistoryBypassError):
        row.delete()
    with scopes_disabled(), pytest.raises(HistoryBypassError):
        Disclosure.objects.filter(pk=row.pk).update(purpose="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE participants_disclosure SET purpose = 'x' WHERE id = %s", [row.pk])


def test_an_export_writes_one_row_per_participant_in_one_statement(
    participant, make_participant, participant_b, site_a, case_manager, django_assert_num_queries
):
    others = [make_participant(legal_first_name=f"P{i}") for i in range(3)]
    export = uuid.uuid4()
    ids = [participant.pk, *[p.pk for p in others], participant_b.pk]  # B's is not this site's
    with django_assert_num_queries(1):
        written = disclosures_record_bulk(
            site=site_a,
            participant_ids=ids,
            by=None,
            recipient_type=OrganisationType.RESEARCH_EVALUATION,
            recipient_name="University of New Mexico",
            information="De-identified records",
            purpose="Cross-site evaluation",
            legal_basis=Disclosure.LegalBasis.AUDIT_EVALUATION,
            channel=Disclosure.Channel.EXPORT,
            reference_uuid=export,
        )
    assert written == 4
    with scopes_disabled():
        assert set(
            Disclosure.objects.filter(reference_uuid=export).values_list("participant", flat=True)
        ) == {participant.pk, *[p.pk for p in others]}


def test_bulk_rows_cannot_claim_a_consent(site_a, participant):
    with pytest.raises(ValidationError):
        disclosures_record_bulk(
            site=site_a,
            participant_ids=[participant.pk],
            by=None,
            recipient_type=OrganisationType.RESEARCH_EVALUATION,
            recipient_name="UNM",
            information="x",
            purpose="y",
            legal_basis=Disclosure.LegalBasis.CONSENT,
            channel=Disclosure.Channel.EXPORT,
            reference_uuid=uuid.uuid4(),
        )
