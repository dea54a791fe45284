"""Intake (from a referral or a walk-in), consents (releases of information) and the
Individual Intervention Plan."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants import services
from participants.access import participant_read
from participants.intake_forms import (
    ConsentForm,
    GoalForm,
    GoalUpdateForm,
    IntakeForm,
    RevokeForm,
)
from participants.models import Consent, Participant, PlanGoal
from participants.selectors import visible_participants
from referrals.access import referral_read
from referrals.models import Referral, Status
from referrals.views import review_suggestion
from sites.permissions import has_site_capability, site_permission_required
from sites.selectors import case_workers


def _to_participant(participant: Participant, anchor: str = "") -> HttpResponse:
    url = reverse(
        "participants:detail",
        kwargs={"site_slug": participant.site.slug, "participant_uuid": participant.uuid},
    )
    return redirect(f"{url}#{anchor}" if anchor else url)


# -- Intake --------------------------------------------------------------------------------------


@site_permission_required("sites.work_cases")
def intake_walk_in(request: HttpRequest, site_slug: str) -> HttpResponse:
    return _intake(request, referral=None)


@site_permission_required("sites.work_cases")
def intake_from_referral(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    referral = referral_read(request, referral_uuid)
    if not referral.is_open:
        return _intake_refused(request, referral)
    return _intake(request, referral=referral)


def _intake(request: HttpRequest, *, referral: Referral | None) -> HttpResponse:
    workers = case_workers(site=request.site)
    can_override = has_site_capability(request, "sites.override_caseload")
    if request.method != "POST":
        form = IntakeForm(
            workers=workers,
            can_override=can_override,
            initial=_intake_initial(request, referral, workers),
        )
        return _render_intake(request, form, referral)
    form = IntakeForm(request.POST, workers=workers, can_override=can_override)
    if not form.is_valid():
        return _render_intake(request, form, referral, status=400)
    case_manager = form.cleaned_data["case_manager"]
    try:
        result = services.intake_complete(
            site=request.site,
            profile=form.profile(),
            needs=form.needs(),
            case_manager=case_manager,
            by=request.user,
            referral=referral,
            override_reason=form.cleaned_data.get("override_reason", ""),
        )
    except services.CaseloadFull as error:
        form.add_error("case_manager", error)
        return _render_intake(request, form, referral, status=400)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_intake(request, form, referral, status=400)
    participant = result.participant
    messages.success(
        request,
        _("%(name)s is enrolled as %(number)s.")
        % {"name": participant.display_name, "number": participant.case_number},
    )
    if result.caseload_warning:
        size = services.caseload_size(site=request.site, case_manager=case_manager)
        messages.warning(
            request,
            _("%(name)s now has %(size)s participants; a caseload is about 20.")
            % {"name": case_manager.display_name, "size": size},
        )
    return _to_participant(participant)


@site_permission_required("sites.work_cases")
@require_POST
def referral_match_review(
    request: HttpRequest, site_slug: str, referral_uuid, participant_uuid
) -> HttpResponse:
    """Link or dismiss an existing participant suggested as the referred person (the referral
    page's suggestions; answered like the referral-to-referral verdicts)."""
    referral = referral_read(request, referral_uuid)
    participant = participant_read(request, participant_uuid)
    return review_suggestion(request, referral, participant=participant)


def _intake_initial(request: HttpRequest, referral: Referral | None, workers) -> dict:
    """Start from what the referral says; the case manager defaults to its assignee, else the
    person doing the intake (if they can hold a caseload)."""
    initial: dict = {}
    for candidate in (referral.assignee if referral else None, request.user):
        if candidate is not None and workers.filter(pk=candidate.pk).exists():
            initial["case_manager"] = candidate.uuid
            break
    if referral is None:
        return initial
    return {
        **initial,
        "legal_first_name": "" if referral.name_unknown else referral.first_name,
        "legal_last_name": "" if referral.name_unknown else referral.last_name,
        "aliases_text": ", ".join(referral.aliases),
        "date_of_birth": referral.date_of_birth,
        "phone": referral.phone,
        "where_to_find": referral.where_to_find,
        "primary_language": referral.language,
    }


def _render_intake(
    request: HttpRequest, form: IntakeForm, referral: Referral | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "participants/intake.html",
        {"site": request.site, "form": form, "referral": referral},
        status=status,
    )


def _intake_refused(request: HttpRequest, referral: Referral) -> HttpResponse:
    """Intake needs an open referral: say why not, and enrol nobody."""
    if referral.status == Status.ENROLLED:
        refusal = _("This referral has already been enrolled.")
        participant = (
            visible_participants(site=request.site, user=request.user)
            .filter(referral=referral)
            .first()
        )
    else:
        refusal = _("This referral is closed (%(status)s). Intake needs an open referral.") % {
            "status": referral.get_status_display().lower()
        }
        participant = None
    return render(
        request,
        "participants/intake.html",
        {
            "site": request.site,
            "referral": referral,
            "refusal": refusal,
            "participant": participant,
        },
        status=400,
    )


# -- Consent (release of information) -------------------------------------------------------------


@site_permission_required("sites.work_cases")
def consent_new(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    participant = participant_read(request, participant_uuid)
    if request.method != "POST":
        form = ConsentForm(initial={"discloser": _("%(site)s LEAD") % {"site": request.site.name}})
        return _render_consent(request, participant, form=form)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent = services.consent_record(
                participant=participant, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Consent to share with %(recipient)s recorded.")
                % {"recipient": consent.recipient},
            )
            return _to_participant(participant, "consents")
    return _render_consent(request, participant, form=form, status=400)


@site_permission_required("sites.work_cases")
@require_POST
def consent_revoke(
    request: HttpRequest, site_slug: str, participant_uuid, consent_uuid
) -> HttpResponse:
    """Revocation stops future disclosures to that recipient; the consent stays in history."""
    participant = participant_read(request, participant_uuid)
    consent = get_object_or_404(
        Consent.objects, site=request.site, participant=participant, uuid=consent_uuid
    )
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(
                consent=consent, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Consent to share with %(recipient)s revoked: nothing more is shared.")
                % {"recipient": consent.recipient},
            )
            return _to_participant(participant, "consents")
    return _render_consent(request, participant, revoke_form=form, consent=consent, status=400)


def _render_consent(request: HttpRequest, participant: Participant, status: int = 200, **extra):
    context = {"site": request.site, "participant": participant, **extra}
    return render(request, "participants/consent_form.html", context, status=status)


# -- The Individual Intervention Plan -------------------------------------------------------------


@site_permission_required("sites.work_cases")
def goal_new(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    participant = participant_read(request, participant_uuid)
    if request.method != "POST":
        return _render_goal(request, participant, form=GoalForm())
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            services.goal_add(participant=participant, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Goal added to the plan."))
            return _to_participant(participant, "plan")
    return _render_goal(request, participant, form=form, status=400)


@site_permission_required("sites.work_cases")
def goal_update(request: HttpRequest, site_slug: str, participant_uuid, goal_uuid) -> HttpResponse:
    participant = participant_read(request, participant_uuid)
    goal = get_object_or_404(
        PlanGoal.objects, site=request.site, participant=participant, uuid=goal_uuid
    )
    if request.method != "POST":
        form = GoalUpdateForm(initial={"status": goal.status, "target_date": goal.target_date})
        return _render_goal(request, participant, form=form, goal=goal)
    form = GoalUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.goal_update(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Goal updated."))
            return _to_participant(participant, "plan")
    return _render_goal(request, participant, form=form, goal=goal, status=400)


def _render_goal(request: HttpRequest, participant: Participant, status: int = 200, **extra):
    goal = extra.get("goal")
    context = {
        "site": request.site,
        "participant": participant,
        "progress": goal.progress.select_related("written_by") if goal else [],
        "history": (
            goal.history.select_related("history_user").order_by("-history_date")[:20]
            if goal
            else []
        ),
        **extra,
    }
    return render(request, "participants/goal_form.html", context, status=status)
