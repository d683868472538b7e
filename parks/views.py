"""The home page: each user's parks, the year open for entry and what is missing; public parks for all."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from indicators.sheets import open_years, roles_by_park, sheet_summaries, user_parks
from parks.permissions import is_admin, public_or_readable_parks
from plans.models import Plan

MISSING_SHOWN = 8


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    cards = []
    if user.is_authenticated:
        parks = user_parks(user)
        roles = roles_by_park(user, parks)
        years = open_years(parks)
        pairs = [(park, year) for park in parks for year in years[park.pk]]
        today = timezone.localdate()
        for summary in sheet_summaries(pairs):
            if not summary.total:
                continue  # a plan without numeric indicators asks for nothing
            held = roles[summary.park.pk]
            cards.append(
                {
                    "summary": summary,
                    "can_enter": "entry" in held,
                    "can_review": "reviewer" in held,
                    "filled": summary.total - summary.counts["missing"],
                    "missing_shown": summary.missing_names[:MISSING_SHOWN],
                    "missing_more": max(0, len(summary.missing_names) - MISSING_SHOWN),
                    "days_left": (summary.deadline - today).days if summary.deadline else None,
                }
            )
    visible = public_or_readable_parks(user).filter(parent__isnull=True).order_by("code")
    plans = Plan.objects.filter(park__in=visible).order_by("start_year", "code")
    by_park: dict[int, list[Plan]] = {}
    for plan in plans:
        by_park.setdefault(plan.park_id, []).append(plan)
    rows = [(park, by_park.get(park.pk, [])) for park in visible]
    return render(
        request,
        "parks/home.html",
        {"cards": cards, "rows": rows, "is_admin": is_admin(user)},
    )
