"""Referral pages: officers' phone form and own list, the case managers' queue and referral
page, the public community form, and the programme manager's referral settings."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.core import is_ratelimited
from django_scopes import scope

from lead.net import client_ip_key
from referrals import selectors, services
from referrals.access import referral_read
from referrals.forms import (
    PATHWAY_FORMS,
    AssignForm,
    AttemptForm,
    ChecklistItemForm,
    CloseForm,
    CommunityReferralForm,
    DecisionForm,
    ProsecutorForm,
    QueueFilterForm,
    SiteReferralSettingsForm,
)
from referrals.models import DuplicateReview, EligibilityItem, Referral, Status
from sites.models import Site
from sites.permissions import has_site_capability, site_permission_required
from sites.roles import Pathway
from sites.selectors import case_workers, referral_notice_recipients, users_with_capability

OFFICER_PATHWAYS = (Pathway.ARREST_DIVERSION, Pathway.SOCIAL_CONTACT)
PUBLIC_RATE = "5/h"


def _get_referral(request: HttpRequest, referral_uuid) -> Referral:
    return referral_read(request, referral_uuid)


def _pathways_for(request: HttpRequest) -> list[str]:
    """Officers refer by the police pathways; case managers also take community referrals."""
    allowed = list(OFFICER_PATHWAYS)
    if has_site_capability(request, "sites.work_cases"):
        allowed.append(Pathway.COMMUNITY)
    return [p for p in allowed if request.site.pathway_enabled(p)]


def _back_to(referral: Referral) -> HttpResponse:
    return redirect("referrals:detail", site_slug=referral.site.slug, referral_uuid=referral.uuid)


# -- Submitting ------------------------------------------------------------------------------


@site_permission_required("sites.submit_referral")
@require_safe
def referral_start(request: HttpRequest, site_slug: str) -> HttpResponse:
    pathways = [(p, Pathway(p).label) for p in _pathways_for(request)]
    return render(request, "referrals/start.html", {"site": request.site, "pathways": pathways})


@site_permission_required("sites.submit_referral")
def referral_create(request: HttpRequest, site_slug: str, pathway: str) -> HttpResponse:
    if pathway not in _pathways_for(request):
        raise Http404
    form_class = PATHWAY_FORMS[pathway]
    if request.method != "POST":
        form = form_class(initial={"idempotency_key": uuid.uuid4()})
        return render(request, "referrals/form.html", _form_context(request, form, pathway))
    form = form_class(request.POST)
    if not form.is_valid():
        return render(
            request, "referrals/form.html", _form_context(request, form, pathway), status=400
        )
    try:
        referral, _created = services.referral_submit(
            site=request.site,
            pathway=pathway,
            data=form.referral_data(),
            by=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        # A key resent with other details is a conflict with what was saved (422).
        status = 422 if isinstance(error, services.SubmissionMismatch) else 400
        return render(
            request, "referrals/form.html", _form_context(request, form, pathway), status=status
        )
    return redirect("referrals:submitted", site_slug=request.site.slug, referral_uuid=referral.uuid)


def _form_context(request: HttpRequest, form, pathway: str) -> dict:
    return {"site": request.site, "form": form, "pathway": pathway, "label": Pathway(pathway).label}


@site_permission_required("sites.submit_referral")
@require_safe
def referral_submitted(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    # Only the submitter's own referral, with the fields an officer may see.
    referral = get_object_or_404(
        selectors.referrals_of_officer(site=request.site, user=request.user), uuid=referral_uuid
    )
    return render(request, "referrals/submitted.html", {"site": request.site, "referral": referral})


@site_permission_required("sites.submit_referral")
@require_safe
def my_referrals(request: HttpRequest, site_slug: str) -> HttpResponse:
    referrals = selectors.referrals_of_officer(site=request.site, user=request.user)
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    return render(request, "referrals/mine.html", {"site": request.site, "page": page})


# -- The public community form -----------------------------------------------------------------


def community_referral(request: HttpRequest, site_slug: str) -> HttpResponse:
    """Anyone may refer someone (themself included), without an account."""
    site = get_object_or_404(Site, slug=site_slug, is_active=True)
    if not site.pathway_enabled(Pathway.COMMUNITY):
        raise Http404
    with scope(site=site):
        if request.method != "POST":
            form = CommunityReferralForm(initial={"idempotency_key": uuid.uuid4()})
            return render(request, "referrals/public_form.html", {"site": site, "form": form})
        form = CommunityReferralForm(request.POST)
        if form.is_spam():
            # Answer as if it worked; tell the robot nothing.
            return redirect("public_referral_thanks", site_slug=site.slug)
        if not form.is_valid():
            return render(
                request, "referrals/public_form.html", {"site": site, "form": form}, status=400
            )
        # Only a valid submission uses up the quota, counted per client behind the proxy: a
        # robot's honeypot posts or someone's typos must not close the form for everyone else.
        if is_ratelimited(
            request,
            group="community-referral",
            key=client_ip_key,
            rate=PUBLIC_RATE,
            increment=True,
        ):
            return render(request, "referrals/public_limited.html", {"site": site}, status=429)
        try:
            services.referral_submit(
                site=site,
                pathway=Pathway.COMMUNITY,
                data=form.referral_data(),
                by=None,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            status = 422 if isinstance(error, services.SubmissionMismatch) else 400
            return render(
                request, "referrals/public_form.html", {"site": site, "form": form}, status=status
            )
    return redirect("public_referral_thanks", site_slug=site.slug)


def community_referral_thanks(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = get_object_or_404(Site, slug=site_slug, is_active=True)
    return render(request, "referrals/public_thanks.html", {"site": site})


# -- The queue and the referral page -------------------------------------------------------------


@site_permission_required("sites.work_cases")
@require_safe
def referral_queue(request: HttpRequest, site_slug: str) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    referrals = selectors.referral_queue(
        site=request.site,
        user=request.user,
        status=chosen.get("status", ""),
        pathway=chosen.get("pathway", ""),
        age=chosen.get("age", ""),
    )
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/queue.html",
        {"site": request.site, "page": page, "filters": filters, "query": query.urlencode()},
    )


@site_permission_required("sites.work_cases")
@require_safe
def referral_detail(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    referral = _get_referral(request, referral_uuid)
    return render(request, "referrals/detail.html", referral_page_context(request, referral))


def referral_page_context(request: HttpRequest, referral: Referral, **forms) -> dict:
    """What the referral page shows (also its suggestions partial, which participants' match
    review answers with)."""
    workers = case_workers(site=request.site)
    items = EligibilityItem.objects.filter(site=request.site, retired_at__isnull=True)
    answers = referral.screening_answers
    checklist = [(item, answers.get(str(item.uuid), {}).get("answer", "")) for item in items]
    return {
        "site": request.site,
        "referral": referral,
        "checklist": checklist,
        "old_answers": [a for key, a in answers.items() if key not in {str(i.uuid) for i in items}],
        "attempts": referral.attempts.select_related("recorded_by"),
        "duplicates": selectors.duplicate_candidates(referral=referral, user=request.user),
        "reviews": selectors.duplicate_reviews(referral=referral, user=request.user),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            workers=workers,
            initial={"assignee": referral.assignee.uuid if referral.assignee else None},
        ),
        "attempt_form": forms.get("attempt_form") or AttemptForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "prosecutor_form": forms.get("prosecutor_form") or ProsecutorForm(),
        "Status": Status,
        "history": referral.history.select_related("history_user").order_by("-history_date")[:20],
    }


def _rerender(request: HttpRequest, referral: Referral, **forms) -> HttpResponse:
    return render(
        request,
        "referrals/detail.html",
        referral_page_context(request, referral, **forms),
        status=400,
    )


def _act(request: HttpRequest, referral: Referral, action, success: str, **forms) -> HttpResponse:
    """Run a service; a refusal becomes a message on the page, never a 500."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        # As saved now (the read is already logged for this request).
        fresh = selectors.referral_for(
            site=request.site, user=request.user, referral_uuid=referral.uuid
        )
        return _rerender(request, fresh, **forms)
    messages.success(request, success)
    return _back_to(referral)


@site_permission_required("sites.work_cases")
@require_POST
def referral_screen(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    referral = _get_referral(request, referral_uuid)
    answers = {
        key.removeprefix("item-"): value
        for key, value in request.POST.items()
        if key.startswith("item-") and value
    }
    return _act(
        request,
        referral,
        lambda: services.referral_screen(referral=referral, answers=answers, by=request.user),
        _("Screening saved."),
    )


def _form_action(
    request: HttpRequest, referral_uuid, form_name: str, form, action, success: str
) -> HttpResponse:
    """Validate one of the referral page's forms, then run ``action(referral, cleaned_data)``;
    an invalid form or a refusal re-shows the page with the messages (400)."""
    referral = _get_referral(request, referral_uuid)
    if not form.is_valid():
        return _rerender(request, referral, **{form_name: form})
    return _act(
        request,
        referral,
        lambda: action(referral, form.cleaned_data),
        success,
        **{form_name: form},
    )


@site_permission_required("sites.work_cases")
@require_POST
def referral_decide(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    return _form_action(
        request,
        referral_uuid,
        "decision_form",
        DecisionForm(request.POST),
        lambda referral, data: services.referral_decide(
            referral=referral, decision=data["decision"], reason=data["reason"], by=request.user
        ),
        _("Decision recorded."),
    )


@site_permission_required("sites.work_cases")
@require_POST
def referral_assign(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    return _form_action(
        request,
        referral_uuid,
        "assign_form",
        AssignForm(request.POST, workers=case_workers(site=request.site)),
        lambda referral, data: services.referral_assign(
            referral=referral, assignee=data["assignee"], by=request.user
        ),
        _("Assignment saved."),
    )


@site_permission_required("sites.work_cases")
@require_POST
def referral_attempt(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    return _form_action(
        request,
        referral_uuid,
        "attempt_form",
        AttemptForm(request.POST),
        lambda referral, data: services.locate_attempt_record(
            referral=referral, by=request.user, **data
        ),
        _("Attempt logged."),
    )


@site_permission_required("sites.work_cases")
@require_POST
def referral_close(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    return _form_action(
        request,
        referral_uuid,
        "close_form",
        CloseForm(request.POST),
        lambda referral, data: services.referral_close(
            referral=referral, outcome=data["outcome"], note=data["note"], by=request.user
        ),
        _("Outcome recorded."),
    )


@site_permission_required("sites.work_cases")
@require_POST
def referral_resume(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    """Someone who could not be found turns up: back to locating."""
    referral = _get_referral(request, referral_uuid)
    return _act(
        request,
        referral,
        lambda: services.referral_resume(referral=referral, by=request.user),
        _("Back to locating."),
    )


@site_permission_required("sites.work_cases")
@require_POST
def referral_prosecutor(request: HttpRequest, site_slug: str, referral_uuid) -> HttpResponse:
    return _form_action(
        request,
        referral_uuid,
        "prosecutor_form",
        ProsecutorForm(request.POST),
        lambda referral, data: services.prosecutor_outcome_record(
            referral=referral, outcome=data["outcome"], by=request.user
        ),
        _("Prosecutor outcome recorded."),
    )


def review_suggestion(request: HttpRequest, referral: Referral, **suggestion) -> HttpResponse:
    """Link or dismiss a suggestion. From htmx, the answer is the new list of suggestions (the
    page's ``suggestions`` partial); otherwise the referral page again."""
    verdict = request.POST.get("verdict", "")
    if verdict not in DuplicateReview.Verdict.values:
        messages.error(request, _("Choose link or dismiss."))
        response = _back_to(referral)
        if request.htmx:  # the whole page, where the message shows: a swap would hide it
            response = HttpResponse(status=400, headers={"HX-Redirect": response.url})
        return response
    services.duplicate_review_record(
        referral=referral, verdict=verdict, by=request.user, **suggestion
    )
    if request.htmx:
        context = {
            **referral_page_context(request, referral),
            "reviewed": _("Suggestion reviewed."),
        }
        return render(request, "referrals/detail.html#suggestions", context)
    messages.success(request, _("Suggestion reviewed."))
    return _back_to(referral)


@site_permission_required("sites.work_cases")
@require_POST
def referral_duplicate(
    request: HttpRequest, site_slug: str, referral_uuid, other_uuid
) -> HttpResponse:
    referral = _get_referral(request, referral_uuid)
    return review_suggestion(request, referral, other=_get_referral(request, other_uuid))


# -- Referral settings (programme managers) ------------------------------------------------------


@site_permission_required("sites.manage_site")
def referral_settings(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = request.site
    workers = users_with_capability(site=site, capability="receive_referral_notices")
    recipients = referral_notice_recipients(site=site).values_list("uuid", flat=True)
    form = SiteReferralSettingsForm(
        request.POST or None,
        workers=workers,
        initial={
            "pathways": site.enabled_pathways,
            "intake_deadline_days": site.intake_deadline_days,
            "recipients": list(recipients),
        },
    )
    if request.method == "POST" and form.is_valid():
        services.referral_settings_update(
            site=site,
            pathways=form.cleaned_data["pathways"],
            intake_deadline_days=form.cleaned_data["intake_deadline_days"],
            recipient_ids={u.pk for u in form.cleaned_data["recipients"]},
            by=request.user,
        )
        messages.success(request, _("Referral settings saved."))
        return redirect("referrals:settings", site_slug=site.slug)
    items = EligibilityItem.objects.filter(site=site)
    return render(
        request,
        "referrals/settings.html",
        {"site": site, "form": form, "items": items, "item_form": ChecklistItemForm()},
        status=400 if request.method == "POST" else 200,
    )


def _get_item(request: HttpRequest, item_uuid) -> EligibilityItem:
    return get_object_or_404(EligibilityItem.objects, site=request.site, uuid=item_uuid)


@site_permission_required("sites.manage_site")
@require_POST
def checklist_add(request: HttpRequest, site_slug: str) -> HttpResponse:
    form = ChecklistItemForm(request.POST)
    if form.is_valid():
        services.eligibility_item_add(
            site=request.site, text=form.cleaned_data["text"], by=request.user
        )
        messages.success(request, _("Question added."))
    else:
        messages.error(request, _("Write the question (up to 300 characters)."))
    return redirect("referrals:settings", site_slug=request.site.slug)


@site_permission_required("sites.manage_site")
@require_POST
def checklist_item(request: HttpRequest, site_slug: str, item_uuid) -> HttpResponse:
    """Reword, retire or move one checklist question (``action`` in the POST)."""
    item = _get_item(request, item_uuid)
    action = request.POST.get("action")
    if item.retired_at is not None:
        messages.error(request, _("This question is retired."))
        return redirect("referrals:settings", site_slug=request.site.slug)
    if action == "reword":
        form = ChecklistItemForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write the question (up to 300 characters)."))
            return redirect("referrals:settings", site_slug=request.site.slug)
        services.eligibility_item_reword(item=item, text=form.cleaned_data["text"], by=request.user)
    elif action == "retire":
        services.eligibility_item_retire(item=item, by=request.user)
    elif action in {"up", "down"}:
        services.eligibility_item_move(item=item, up=action == "up", by=request.user)
    else:
        messages.error(request, _("Unknown action."))
        return redirect("referrals:settings", site_slug=request.site.slug)
    messages.success(request, _("Checklist updated."))
    return redirect("referrals:settings", site_slug=request.site.slug)
