"""max_applications: more applications of an ingredient on a plot's crop in one season than the
PHI table allows (每季作物最多使用次数).

A season is (plot, crop, calendar year in the site's zone); rows without a numeric maximum raise
nothing; one alert per (plot, crop, season, ingredient), so its cause is that season key, and
its `ts` is the event time of the first application over the limit.
"""

from collections.abc import Sequence
from datetime import tzinfo

from agrisafe.protocol import Rule
from cloud.domain import AlertDraft
from cloud.reference.lookup import Resolver
from cloud.rules.facts import Application
from cloud.rules.timecalc import season_of


def season_key(app: Application, ingredient: str, tz: tzinfo) -> str:
    """The alert cause: `{year}:{crop}:{ingredient}`."""
    return f"{season_of(app.ts_ms, tz)}:{app.crop}:{ingredient}"


def max_applications(
    new: Application,
    season: Sequence[Application],
    resolver: Resolver,
    tz: tzinfo,
) -> list[AlertDraft]:
    """Drafts for the new application's ingredients whose season count exceeds the maximum.

    `season` holds every application on the plot in the new one's season (itself included).
    """
    year = season_of(new.ts_ms, tz)
    same = sorted(
        (a for a in season if a.crop == new.crop and season_of(a.ts_ms, tz) == year),
        key=lambda a: (a.ts_ms, a.id),
    )
    drafts: list[AlertDraft] = []
    for ingredient in new.ingredients:
        uses = [a for a in same if ingredient in a.ingredients]
        maxima = []
        for a in uses:
            res = resolver.phi(a.ingredients, a.crop, a.reg_no, a.formulation)
            maxima += [
                c.max_per_season
                for c in res.choices
                if c.ingredient == ingredient and c.max_per_season is not None
            ]
        if not maxima or len(uses) <= min(maxima):
            continue
        limit = min(maxima)
        detail = {
            "crop": new.crop,
            "ingredient": ingredient,
            "season": year,
            "max_per_season": limit,
            "applications": len(uses),
        }
        drafts.append(
            AlertDraft(
                Rule.MAX_APPLICATIONS,
                new.site,
                f"plot:{new.plot}",
                season_key(new, ingredient, tz),
                uses[limit].when(),
                tuple(a.id for a in uses),
                detail,
            )
        )
    return drafts
