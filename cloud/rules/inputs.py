"""banned_pesticide and unknown_input on a new application or treatment (no history needed).

A banned ingredient raises banned_pesticide and never unknown_input; an application (not banned)
with an ingredient no PHI row resolves for, or a treatment no withdrawal row names for its
species, raises unknown_input: it cannot be checked, so a regulator should look.
"""

from datetime import tzinfo

from agrisafe.protocol import Rule
from cloud.domain import AlertDraft
from cloud.reference.lookup import Resolver
from cloud.rules.facts import Application, Treatment
from cloud.rules.timecalc import local_date


def banned_pesticide(app: Application, resolver: Resolver, tz: tzinfo) -> AlertDraft | None:
    """One alert per application that uses an ingredient banned for its crop on its date."""
    day = local_date(app.ts_ms, tz)
    hits = resolver.banned(app.ingredients, app.crop, day)
    if not hits:
        return None
    detail: dict[str, object] = {
        "crop": app.crop,
        "product": app.product,
        "applied_on": day.isoformat(),
        "bans": [
            {
                "ingredient": h.ingredient,
                "ban": h.ban_id,
                "notice": h.notice,
                "source": h.source,
                "effective_from": h.effective_from.isoformat() if h.effective_from else None,
                "unresolved": h.unresolved,
            }
            for h in hits
        ],
    }
    if any(h.unresolved for h in hits):
        # The crop is not in the crop table: it might be inside the ban's scope, so it counts.
        detail["unresolved"] = {"crop": app.crop}
    return AlertDraft(
        Rule.BANNED_PESTICIDE, app.site, f"plot:{app.plot}", app.id, app.when(), (app.id,), detail
    )


def unknown_application(app: Application, resolver: Resolver) -> AlertDraft | None:
    """unknown_input when some ingredient has no PHI row for this crop (and none is banned)."""
    res = resolver.phi(app.ingredients, app.crop, app.reg_no, app.formulation)
    if not res.unresolved:
        return None
    detail = {
        "crop": app.crop,
        "product": app.product,
        "reg_no": app.reg_no,
        "unresolved": list(res.unresolved),
        "why": "no PHI row for this ingredient on this crop: add a label entry",
    }
    return AlertDraft(
        Rule.UNKNOWN_INPUT, app.site, f"plot:{app.plot}", app.id, app.when(), (app.id,), detail
    )


def prohibited_treatment(t: Treatment, resolver: Resolver) -> AlertDraft | None:
    """withdrawal_violation at once for a drug prohibited in food animals (250号, 2583号,
    2638号, 2292号): any use is the violation; a later dispatch adds its evidence (same cause)."""
    res = resolver.withdrawal(t.drug, t.species)
    if not res.prohibited_by:
        return None
    detail = {
        "drug": t.drug,
        "species": t.species.value,
        "prohibited": list(res.prohibited_by),
        "sources": sorted({c.source for cs in res.periods.values() for c in cs}),
        "why": "prohibited in every food animal: its products can never be certified",
    }
    return AlertDraft(
        Rule.WITHDRAWAL_VIOLATION, t.site, f"herd:{t.herd}", t.id, t.when(), (t.id,), detail
    )


def unknown_treatment(t: Treatment, resolver: Resolver) -> AlertDraft | None:
    """unknown_input when no withdrawal row names this drug for this species."""
    if resolver.withdrawal(t.drug, t.species).matched:
        return None
    detail = {
        "drug": t.drug,
        "species": t.species.value,
        "why": "no withdrawal row for this drug and species: add a label entry",
    }
    return AlertDraft(Rule.UNKNOWN_INPUT, t.site, f"herd:{t.herd}", t.id, t.when(), (t.id,), detail)
