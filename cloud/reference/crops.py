"""The canonical crop table: names and synonyms → one node; groups as a DAG of parents."""

from collections import deque
from collections.abc import Iterable
from functools import lru_cache

from cloud.reference.model import CropNode
from cloud.reference.names import crop_keys, name_key


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
                key = name_key(name)
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
        self._children = self._child_map()
        # Cached per instance: the table is immutable once built.
        self.ancestors = lru_cache(maxsize=4096)(self._ancestors)
        self.descendants = lru_cache(maxsize=4096)(self._descendants)

    def _child_map(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {name: [] for name in self._nodes}
        for node in self._nodes.values():
            for parent in node.parents:
                children[parent].append(node.name)
        return children

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
        """Canonical name of a crop or group (synonyms, width, punctuation, cultivation prefixes
        and bracketed notes resolved: 大棚黄瓜 → 黄瓜), or None if unknown."""
        for key in crop_keys(name):
            found = self._names.get(key)
            if found is not None:
                return found
        return None

    def canonical(self, name: str) -> str:
        """Canonical name, or the name's key itself for a crop the table does not know."""
        return self.resolve(name) or name_key(name)

    def add_synonym(self, name: str, canonical: str) -> None:
        """Map one more name to a node (a regulator's resolution); refuses a clash or an
        unknown node."""
        target = self.resolve(canonical)
        if target is None:
            raise CropTableError(f"crop {canonical!r} is not in the crop table")
        key = name_key(name)
        if key in self._names and self._names[key] != target:
            raise CropTableError(f"name {name!r} already belongs to {self._names[key]!r}")
        self._names[key] = target

    def known(self, canonical: str) -> bool:
        """True when the (canonical) crop is in the table."""
        return canonical in self._nodes

    def _descendants(self, canonical: str) -> frozenset[str]:
        """Every crop and group below a node (not the node itself)."""
        out: set[str] = set()
        queue = deque(self._children.get(canonical, ()))
        while queue:
            name = queue.popleft()
            if name not in out:
                out.add(name)
                queue.extend(self._children[name])
        return frozenset(out)

    def might_be_within(self, crop: str, scope: Iterable[str]) -> bool:
        """True when the crop is inside the scope, or might be: a crop the table does not know,
        or a group some of whose members are inside (the conservative reading for bans)."""
        if not self.known(crop):
            return True
        wanted = set(scope)
        return self.within(crop, wanted) or any(
            self.within(d, wanted) for d in self.descendants(crop)
        )

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
