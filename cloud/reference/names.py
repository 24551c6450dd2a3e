"""Names as farmers and labels write them → the keys the reference tables use (pure).

Width (全角/半角) and compatibility forms are folded with NFKC; spaces, punctuation and symbols
are dropped from the comparison key, so "阿莫西林/克拉维酸钾注射液" and "阿莫西林克拉维酸钾注射液"
meet. A pesticide entry may name a mixture ("阿维·毒死蜱", "吡虫啉+毒死蜱"): it is split into
its parts, each resolved on its own. A crop may carry a cultivation prefix or note ("大棚黄瓜",
"番茄(大棚)") that does not change what the crop is.
"""

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping
from functools import lru_cache

# Separators between the parts of a mixture name. A comma between digits is part of a name
# ("2,4-滴丁酯"), so it does not split.
_MIXTURE = re.compile(r"[·•・‧∙⋅+/、;|&]|(?<!\d),|,(?!\d)")
_BRACKETS = re.compile(r"[(\[【{<《][^)\]】}>》]*[)\]】}>》]")
# How a crop is grown, not what it is (longest first: 日光温室 before 温室).
CULTIVATION_PREFIXES = (
    "日光温室",
    "冬暖大棚",
    "冬暖棚",
    "小拱棚",
    "大拱棚",
    "连栋温室",
    "温室",
    "大棚",
    "拱棚",
    "暖棚",
    "棚室",
    "设施",
    "露地",
    "露天",
    "有机",
    "绿色",
)
MIN_PREFIX_LEN = 2  # shorter parts ("甲") match too many names to mean one


@lru_cache(maxsize=65_536)
def name_key(text: str) -> str:
    """Comparison key of a name: NFKC, no spaces / punctuation / symbols, upper case."""
    folded = unicodedata.normalize("NFKC", text)
    kept = (ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")
    return "".join(kept).upper()


def mixture_parts(text: str) -> list[str]:
    """The parts of a mixture name (one part for a single ingredient); empty parts dropped."""
    folded = unicodedata.normalize("NFKC", text)
    return [p.strip() for p in _MIXTURE.split(folded) if p and name_key(p)]


def crop_keys(text: str) -> list[str]:
    """Keys to try for a crop name, most literal first: as written, without bracketed notes,
    without cultivation prefixes."""
    folded = unicodedata.normalize("NFKC", text).strip()
    out = [name_key(folded)]
    bare = name_key(_BRACKETS.sub("", folded))
    out.append(bare)
    changed = True
    while changed:
        changed = False
        for prefix in CULTIVATION_PREFIXES:
            if bare.startswith(prefix) and len(bare) > len(prefix):
                bare = bare[len(prefix) :]
                out.append(bare)
                changed = True
    return list(dict.fromkeys(k for k in out if k))


def resolve_part(
    part: str,
    aliases: Mapping[str, str],
    known: Mapping[str, str],
    exact_only: Container[str] = frozenset(),
) -> str | None:
    """Canonical ingredient of one mixture part: alias, exact name, or the one known name it
    abbreviates ("阿维" → 阿维菌素); None when nothing or more than one name fits.

    An abbreviation is unique only among the names the tables hold, not among every pesticide
    ("2,4-滴" is the registered herbicide family, 2,4-滴丁酯 the banned ester), so it never
    resolves to a name in `exact_only` (the banned substances): an accusation rests on the name
    as written or a sourced alias, and such a part stays unresolved (unknown_input, the lot
    held for review)."""
    key = name_key(part)
    if key in aliases:
        return aliases[key]
    if key in known:
        return known[key]
    if len(key) < MIN_PREFIX_LEN:
        return None
    fits = {name for k, name in known.items() if k.startswith(key)}
    if len(fits) != 1 or any(f in exact_only for f in fits):
        return None
    return fits.pop()


def resolve_ingredients(
    names: Iterable[str],
    aliases: Mapping[str, str],
    known: Mapping[str, str],
    exact_only: Container[str] = frozenset(),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(canonical ingredients, parts nothing resolves) of an input's ingredient entries; an
    unresolved part is kept under its own key so rules can still name it."""
    resolved: list[str] = []
    unresolved: list[str] = []
    for name in names:
        for part in mixture_parts(name) or [name]:
            found = resolve_part(part, aliases, known, exact_only)
            if found is None:
                unresolved.append(name_key(part))
                resolved.append(name_key(part))
            else:
                resolved.append(found)
    return tuple(dict.fromkeys(resolved)), tuple(dict.fromkeys(unresolved))
