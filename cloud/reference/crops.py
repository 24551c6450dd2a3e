"""The canonical crop table: names and synonyms → one node; groups as a DAG of parents."""

from collections import deque
from collections.abc import Iterable
from functools import lru_cache

from cloud.reference.model import CropNode, normalise


class CropTableError(ValueError):
    """The crop table is inconsistent (unknown parent, duplicate name, cycle)."""


class CropTable:
    """Resolves crop names and answers "how far is group G above crop C"."""

    def __init__(self, nodes: Iterable[CropNode]) -> None:
        self._nodes: dict[str, CropNode] = {}
        self._names: dict[str, str] = {}  # normalised name or synonym → canonical name
        for node in nodes:
            if node.name in self._nodes:
                raise CropTableError(f"crop {node.name!r} is listed twice")
            self._nodes[node.name] = node
            for name in (node.name, *node.synonyms):
                key = normalise(name)
                if key in self._names and self._names[key] != node.name:
                    raise CropTableError(
                        f"name {name!r} belongs to {self._names[key]!r} and {node.name!r}"
                    )
                self._names[key] = node.name
        for node in self._nodes.values():
            for parent in node.parents:
                if parent not in self._nodes:
                    raise CropTableError(f"crop {node.name!r}: unknown parent group {parent!r}")
        for name in self._nodes:
            self._check_acyclic(name)
        # Cached per instance: the table is immutable once built.
        self.ancestors = lru_cache(maxsize=4096)(self._ancestors)

    def _check_acyclic(self, start: str) -> None:
        stack, seen = [start], set()
        while stack:
            name = stack.pop()
            for parent in self._nodes[name].parents:
                if parent == start:
                    raise CropTableError(f"crop groups form a cycle through {start!r}")
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)

    def resolve(self, name: str) -> str | None:
        """Canonical name of a crop or group (synonyms resolved), or None if unknown."""
        return self._names.get(normalise(name))

    def canonical(self, name: str) -> str:
        """Canonical name, or the normalised text itself for a crop the table does not know."""
        return self.resolve(name) or normalise(name)

    def _ancestors(self, canonical: str) -> dict[str, int]:
        """{node: distance} for the node itself (0), its groups (1), their groups (2) …."""
        out = {canonical: 0}
        queue = deque([canonical])
        while queue:
            name = queue.popleft()
            node = self._nodes.get(name)
            if node is None:
                continue
            for parent in node.parents:
                if parent not in out:
                    out[parent] = out[name] + 1
                    queue.append(parent)
        return out

    def related(self, a: str, b: str) -> bool:
        """True when one canonical crop is the other or one of its groups."""
        return b in self.ancestors(a) or a in self.ancestors(b)

    def within(self, crop: str, scope: Iterable[str]) -> bool:
        """True when the canonical crop is one of `scope` (canonical) or inside one of them."""
        ancestors = self.ancestors(crop)
        return any(s in ancestors for s in scope)

    def nodes(self) -> list[CropNode]:
        """Every node, in file order."""
        return list(self._nodes.values())
