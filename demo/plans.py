"""The demo's training plan: Alex's plan proposed by the tutor from the validated initial scan,
one activity changed by the mentor, then signed by the tutor and by Alex; the mentor's
signature is still to come. Made through the plan's own services (no e-mails are sent), once."""

from accounts.models import Apprenticeship

from .providers import TUTOR

APPRENTICE = "apprentice@example.com"
MENTOR = "mentor@example.com"


def seed_plans(users, today=None):
    """Give Alex's active apprenticeship a proposed, partly signed plan; ``users`` maps e-mail
    addresses to users (seed_demo's). Returns the plan, or None when Alex's apprenticeship
    already has one, has no validated scan or is missing."""
    from tracker.plans import (
        latest_validated_scan,
        plan_activity_change,
        plan_sign,
        propose_plan,
    )

    apprenticeship = (
        Apprenticeship.objects.filter(
            apprentice=users.get(APPRENTICE), status=Apprenticeship.Status.ACTIVE
        )
        .select_related("organisation", "provider")
        .order_by("pk")
        .first()
    )
    if apprenticeship is None or apprenticeship.training_plans.exists():
        return None
    if latest_validated_scan(apprenticeship) is None:
        return None
    planner = users[TUTOR] if apprenticeship.tutor_id == users[TUTOR].pk else users[MENTOR]
    plan = propose_plan(apprenticeship, planner, today=today)
    first = plan.activities.order_by("starts_on", "position", "pk").first()
    if first is not None:
        plan_activity_change(
            activity=first,
            by=users[MENTOR],
            fields={
                "title": f"{first.title}, with the Acme platform team",
                "kind": first.kind,
                "starts_on": first.starts_on,
                "ends_on": first.ends_on,
                "planned_hours": first.planned_hours,
            },
            ksbs=list(first.ksbs.all()),
        )
        plan_sign(plan=plan, by=planner)
        plan_sign(plan=plan, by=users[APPRENTICE])
    return plan
