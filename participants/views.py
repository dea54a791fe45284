"""Participant pages: the list and search, caseloads, the participant page with its timeline,
profile edits, print, and the programme manager's assignment, restriction and access log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from guardian.shortcuts import get_users_with_perms

from lead.models import AccessLogEntry
from participants import selectors, services
from participants.access import participant_read
from participants.forms import (
    ParticipantAssignForm,
    ParticipantProfileForm,
    ParticipantRestrictForm,
    ParticipantSearchForm,
    conflict_form,
)
from participants.models import Consent, GoalProgress, NeedAssessment, Participant, PlanGoal
from sites.permissions import has_site_capability, site_permission_required
from sites.selectors import case_workers

PER_PAGE = 50
TIMELINE_PER_PAGE = 25
MAX_TIMELINE_PAGE = 1_000  # each source is read up to the requested page: keep that bounded


def _back_to(participant: Participant) -> HttpResponse:
    return redirect(
        "participants:detail", site_slug=participant.site.slug, participant_uuid=participant.uuid
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), MAX_TIMELINE_PAGE))
    except ValueError:
        return 1


# -- Lists -----------------------------------------------------------------------------------


@site_permission_required("sites.work_cases")
@require_safe
def participant_list(request: HttpRequest, site_slug: str) -> HttpResponse:
    """Search by name (aliases and look-alike spellings too), date of birth or case number;
    without a search, every participant this user may see, a page at a time."""
    form = ParticipantSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = page = None
    if query:
        results = selectors.participant_search(site=request.site, user=request.user, query=query)
    else:
        people = selectors.visible_participants(site=request.site, user=request.user)
        people = people.select_related("case_manager").order_by(
            "legal_last_name", "legal_first_name", "id"
        )
        page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "participants/list.html",
        {"site": request.site, "form": form, "query": query, "results": results, "page": page},
        status=400 if form.errors else 200,
    )


@site_permission_required("sites.work_cases")
@require_safe
def my_caseload(request: HttpRequest, site_slug: str) -> HttpResponse:
    now = timezone.now()
    rows = [
        {
            "participant": p,
            "days_since": p.days_since_contact(now),
            "active": p.is_active(now),
        }
        for p in selectors.caseload_for(site=request.site, user=request.user)
    ]
    return render(
        request,
        "participants/caseload.html",
        {
            "site": request.site,
            "rows": rows,
            "size": len(rows),
            "today": timezone.localdate(),
            "warn_at": services.CASELOAD_WARN_AT,
            "limit": services.CASELOAD_LIMIT,
        },
    )


@site_permission_required("sites.manage_site")
@require_safe
def caseloads(request: HttpRequest, site_slug: str) -> HttpResponse:
    """Every case worker's load; pick one (or "unassigned") to see and transfer their people."""
    overview = selectors.caseloads_overview(site=request.site, user=request.user)
    chosen = request.GET.get("worker", "")
    worker = next((w for w, _load in overview if str(w.uuid) == chosen), None)
    page = None
    if worker is not None or chosen == "unassigned":
        people = selectors.visible_participants(site=request.site, user=request.user).filter(
            case_manager=worker
        )
        people = people.order_by("legal_last_name", "legal_first_name", "id")
        page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "participants/caseloads.html",
        {
            "site": request.site,
            "overview": overview,
            "worker": worker,
            "chosen": chosen,
            "page": page,
            "warn_at": services.CASELOAD_WARN_AT,
            "limit": services.CASELOAD_LIMIT,
        },
    )


# -- The participant page ----------------------------------------------------------------------


@site_permission_required("sites.work_cases")
@require_safe
def participant_detail(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    participant = participant_read(request, participant_uuid)
    return _detail_page(request, participant)


def _detail_page(
    request: HttpRequest,
    participant: Participant,
    *,
    assign_form: ParticipantAssignForm | None = None,
    needs_reason: bool = False,
    status: int = 200,
) -> HttpResponse:
    number = _page_number(request)
    timeline, has_more = selectors.participant_timeline(
        participant=participant, page=number, per_page=TIMELINE_PER_PAGE
    )
    context = {
        **_record_context(participant),
        "timeline": timeline,
        "has_more": has_more,
        "page": number,
        "can_manage": has_site_capability(request, "sites.manage_site"),
        "can_read_log": has_site_capability(request, "sites.view_access_log"),
    }
    if context["can_manage"]:
        form = assign_form or ParticipantAssignForm(
            workers=selectors.case_workers_with_load(site=request.site, user=request.user),
            initial={"case_manager": getattr(participant.case_manager, "uuid", None)},
        )
        context["assign_form"] = form
        # The reason field shows when someone is at the limit, or when a save needed it.
        context["needs_reason"] = needs_reason or form.someone_at_limit()
        context["limit"] = services.CASELOAD_LIMIT
    return render(request, "participants/detail.html", context, status=status)


def _goals_with_recent_progress(*, site, participant: Participant) -> list[PlanGoal]:
    """The plan's goals, each with ``recent_progress`` (its last three notes), in one query."""
    recent = GoalProgress.objects.filter(goal=OuterRef("pk")).order_by("-written_at")[:3]
    goals = list(
        PlanGoal.objects.filter(site=site, participant=participant)
        .order_by("domain", "created_at")
        .annotate(
            progress_notes=ArraySubquery(recent.values("note")),
            progress_dates=ArraySubquery(recent.values("written_at")),
        )
    )
    for goal in goals:
        goal.recent_progress = list(zip(goal.progress_dates, goal.progress_notes, strict=True))
    return goals


def _record_context(participant: Participant) -> dict:
    """What the participant page and the printout show besides the timeline."""
    site = participant.site
    return {
        "site": site,
        "participant": participant,
        "today": timezone.localdate(),
        "consents": Consent.objects.filter(site=site, participant=participant).order_by(
            "recipient", "-signed_on"
        ),
        "goals": _goals_with_recent_progress(site=site, participant=participant),
        # The latest assessment of each domain (DISTINCT ON).
        "needs": NeedAssessment.objects.filter(site=site, participant=participant)
        .order_by("domain", "-assessed_at")
        .distinct("domain"),
        "open_tasks": selectors.participant_open_tasks(participant=participant),
    }


@site_permission_required("sites.work_cases")
@require_safe
def participant_print(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    """A plain printout of the profile, needs, plan, consents and open tasks (no notes)."""
    participant = participant_read(request, participant_uuid, action="print")
    return render(
        request,
        "participants/print.html",
        {**_record_context(participant), "printed_at": timezone.now()},
    )


@site_permission_required("sites.work_cases")
def participant_edit(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    """Edit the profile. Nothing is overwritten silently: if someone saved since the form was
    opened, the form comes back (409) with this person's input and what is saved now."""
    participant = participant_read(request, participant_uuid)
    if request.method != "POST":
        form = ParticipantProfileForm(participant=participant)
        return _edit_page(request, participant, form)
    form = ParticipantProfileForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, participant, form, status=400)
    try:
        services.participant_update(
            participant=participant,
            changes=form.profile_changes(),
            version=form.cleaned_data["version"],
            by=request.user,
        )
    except services.EditConflict as conflict:
        current = Participant.objects.get(uuid=participant.uuid, site=request.site)
        # Their input stays; the version moves on, so saving again is a choice made knowingly.
        form, rows = conflict_form(form, conflict.changes, version=current.version)
        return _edit_page(request, current, form, status=409, conflicts=rows)
    except ValidationError as error:
        form.add_error(None, error)
        return _edit_page(request, participant, form, status=400)
    messages.success(request, _("Profile saved."))
    return _back_to(participant)


def _edit_page(request, participant, form, *, status: int = 200, conflicts=None) -> HttpResponse:
    return render(
        request,
        "participants/edit.html",
        {"site": request.site, "participant": participant, "form": form, "conflicts": conflicts},
        status=status,
    )


# -- Programme managers: assignment, restriction, access log -----------------------------------


@site_permission_required("sites.manage_site")
@require_POST
def participant_assign(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    """Assign or transfer. Past 20 it warns; past 25 it needs the manager's recorded reason."""
    participant = participant_read(request, participant_uuid)
    form = ParticipantAssignForm(
        request.POST, workers=selectors.case_workers_with_load(site=request.site, user=request.user)
    )
    if not form.is_valid():
        return _detail_page(request, participant, assign_form=form, status=400)
    chosen = form.cleaned_data["case_manager"]
    try:
        warning = services.participant_assign(
            participant=participant,
            case_manager=chosen,
            by=request.user,
            override_reason=form.cleaned_data["override_reason"],
        )
    except services.CaseloadFull as error:
        form.add_error("override_reason", error)
        return _detail_page(request, participant, assign_form=form, needs_reason=True, status=400)
    except ValidationError as error:
        form.add_error(None, error)
        return _detail_page(request, participant, assign_form=form, status=400)
    if warning:
        messages.warning(
            request,
            _("%(name)s now has %(size)s participants: more than the %(warn)s recommended.")
            % {
                "name": chosen.display_name,
                "size": services.caseload_size(site=request.site, case_manager=chosen),
                "warn": services.CASELOAD_WARN_AT,
            },
        )
    messages.success(request, _("Assignment saved."))
    return _back_to(participant)


@site_permission_required("sites.manage_site")
def participant_restrict(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    """Restrict the record to named people; everyone else at the site stops seeing it."""
    participant = participant_read(request, participant_uuid)
    workers = case_workers(site=request.site)
    if participant.is_restricted:
        allowed = get_users_with_perms(
            participant, only_with_perms_in=["open_restricted"], with_group_users=False
        )
    else:
        allowed = [u for u in (request.user, participant.case_manager) if u is not None]
    form = ParticipantRestrictForm(
        request.POST if request.method == "POST" else None,
        workers=workers,
        initial={"allowed": [user.uuid for user in allowed]},
    )
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["allowed"])
        try:
            services.participant_restrict(participant=participant, allowed=chosen, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not chosen:
                messages.success(request, _("The restriction is lifted."))
                return _back_to(participant)
            messages.success(request, _("The record is restricted to the people you named."))
            if request.user not in chosen:
                return redirect("participants:list", site_slug=request.site.slug)
            return _back_to(participant)
    return render(
        request,
        "participants/restrict.html",
        {"site": request.site, "participant": participant, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@site_permission_required("sites.view_access_log")
@require_safe
def site_access_log(request: HttpRequest, site_slug: str) -> HttpResponse:
    """Every entry of the site's access log, newest first, except those about records
    restricted to other people (lives here, not in ``sites``, because it applies the
    participants' restriction)."""
    entries = selectors.site_access_log_for(site=request.site, user=request.user)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sites/access_log.html", {"site": request.site, "page": page})


@site_permission_required("sites.view_access_log")
@require_safe
def participant_access_log(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    """Who opened or printed this record, and who was refused it, newest first."""
    participant = participant_read(request, participant_uuid, action="view_access_log")
    entries = AccessLogEntry.objects.filter(
        site=request.site, subject_uuid=participant.uuid
    ).order_by("-at", "-id")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "participants/access_log.html",
        {"site": request.site, "participant": participant, "page": page},
    )
