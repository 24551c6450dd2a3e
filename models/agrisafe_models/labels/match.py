"""Which image file a label entry means, and the name it gets in our dataset (pure).

Exports often hold images of one name in several folders (`day1/frame_0001.jpg`,
`day2/frame_0001.jpg`), and `a.jpg` beside `a.png` share a label file name. Keyed by base name
alone, the first image would be copied for both and one's labels written over the other's:
a mislabelled dataset that nothing reports. So an entry is matched by the folders the export
gives for it, a tie is refused naming the images, and output names stay unique.
"""

import hashlib
from collections.abc import Sequence

from agrisafe_models.labels.parse import LabelError

Parts = tuple[str, ...]  # an image's path under the images folder, split at '/'


def common_tail(a: Sequence[str], b: Sequence[str]) -> int:
    """How many trailing folder names two folder paths share."""
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def pick_image(wanted: Parts, candidates: Sequence[Parts], entry: str) -> Parts | None:
    """Of the CANDIDATES (files that could be the entry's image), the one in exactly the WANTED
    folders, else the one whose folders agree longest with them; None when there is none. Two
    that agree equally are a LabelError naming both: guessing would label one image with the
    other's boxes."""
    if not candidates:
        return None
    # The path the export gives, found as is, is that image: `archive/day1/f.jpg` agrees with
    # `day1` as long as `day1/f.jpg` does, and a bare name with a root `f.jpg` as little as with
    # `backup/f.jpg`, yet neither is what the export names. Two exact ones (`a.jpg` and `a.png`
    # for one YOLO label) are still a tie.
    exact = [c for c in candidates if c[:-1] == wanted]
    ranked = sorted(exact or candidates, key=lambda c: (-common_tail(wanted, c[:-1]), c))
    best = common_tail(wanted, ranked[0][:-1])
    if len(ranked) > 1 and common_tail(wanted, ranked[1][:-1]) == best:
        both = " and ".join("/".join(c) for c in ranked[:2])
        raise LabelError(
            f"{entry}: {both} both match; give the image's folder in the export "
            "(or point --images at one folder)"
        )
    return ranked[0]


def yolo_image_dirs(label: Parts) -> Parts:
    """The folders a YOLO label file's image sits in: `labels/` → `images/` (YOLO's layout)."""
    return tuple("images" if p == "labels" else p for p in label[:-1])


def short_hash(source: Parts) -> str:
    """8 hex digits of the image's path: stable across re-imports of the same export."""
    return hashlib.sha256("/".join(source).encode()).hexdigest()[:8]


def stem_of(name: str) -> str:
    """The name less its suffix ('a.jpg' → 'a'), as the label file is named."""
    return name.rpartition(".")[0] or name


def output_names(sources: Sequence[Parts]) -> dict[Parts, str]:
    """Each source image's file name in the dataset. A label file is named by the image's stem,
    so every source whose stem another one shares gets `-<hash of its path>` before the
    suffix; the rest keep their name (a re-import of an unambiguous export is unchanged)."""
    unique = sorted(set(sources))
    stems: dict[str, int] = {}
    for s in unique:
        stems[stem_of(s[-1])] = stems.get(stem_of(s[-1]), 0) + 1
    out: dict[Parts, str] = {}
    for s in unique:
        stem = stem_of(s[-1])
        out[s] = s[-1] if stems[stem] == 1 else f"{stem}-{short_hash(s)}{s[-1][len(stem) :]}"
    taken: dict[str, Parts] = {}
    for s, name in out.items():
        other = taken.setdefault(stem_of(name), s)
        if other != s:  # a hashed name meeting a real one: refuse rather than overwrite
            both = " and ".join("/".join(x) for x in (other, s))
            raise LabelError(f"{both} would both be written as {stem_of(name)}.*")
    return out
