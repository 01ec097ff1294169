"""Whether a JSON Schema of an event is a compatible successor of an earlier one.

Within a major version an event may only grow optional fields. Compared with the
earlier schema, the later one must not remove a field, make a field required that
was not, or change what a field holds: its JSON types and formats, the values of an
enumeration, its constraints (``minimum``, ``pattern``...). Nested models, lists,
maps and nullable unions are compared field by field, following ``$ref``.
"""

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

_CONSTRAINTS = (
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
)


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What makes ``new`` incompatible with ``old``, one line each; empty if none."""
    problems: list[str] = []
    _compare(_Node(old, old), _Node(new, new), "$", problems, set())
    return problems


class _Node:
    """A subschema and the document its ``$ref`` point into."""

    def __init__(self, schema: Schema, root: Schema) -> None:
        seen: set[str] = set()
        while "$ref" in schema:
            pointer = schema["$ref"]
            if pointer in seen:
                break
            seen.add(pointer)
            schema = _resolve(root, pointer)
        self.schema = schema
        self.root = root
        self.ref_names = frozenset(seen)

    def child(self, schema: Schema) -> "_Node":
        return _Node(schema, self.root)

    def alternatives(self) -> list["_Node"]:
        """The branches of a union, flattened; the node itself when not one."""
        branches = self.schema.get("anyOf", self.schema.get("oneOf"))
        if branches is None:
            return [self]
        return [alt for b in branches for alt in self.child(b).alternatives()]

    def kind(self) -> str:
        """JSON type and format, ``any`` for an unconstrained value."""
        types = self.schema.get("type")
        if types is None:
            return "enum" if "enum" in self.schema else "any"
        if isinstance(types, list):
            return "|".join(sorted(types))
        fmt = self.schema.get("format")
        return f"{types}({fmt})" if fmt else str(types)


def _resolve(root: Schema, pointer: str) -> Schema:
    if not pointer.startswith("#/"):
        raise ValueError(f"only local references are supported, not {pointer!r}")
    node: Any = root
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, Mapping):
        raise ValueError(f"{pointer!r} does not name a schema")
    return node


def _compare(
    old: _Node,
    new: _Node,
    path: str,
    problems: list[str],
    visiting: set[tuple[frozenset[str], frozenset[str]]],
) -> None:
    key = (old.ref_names, new.ref_names)
    if key in visiting and old.ref_names:
        return  # a recursive model: this pair is being compared further up
    visiting = visiting | {key}

    old_alts, new_alts = old.alternatives(), new.alternatives()
    old_kinds = sorted({alt.kind() for alt in old_alts})
    new_kinds = sorted({alt.kind() for alt in new_alts})
    if old_kinds != new_kinds:
        problems.append(
            f"{path}: type changed from {' | '.join(old_kinds)} "
            f"to {' | '.join(new_kinds)}"
        )
        return
    if len(old_alts) > 1 or len(new_alts) > 1:
        for kind in old_kinds:
            olds = [a for a in old_alts if a.kind() == kind]
            news = [a for a in new_alts if a.kind() == kind]
            if len(olds) == 1 and len(news) == 1:
                _compare(olds[0], news[0], path, problems, visiting)
            elif _fingerprint(olds) != _fingerprint(news):
                problems.append(f"{path}: the {kind} branches of the union changed")
        return

    old_s, new_s = old.schema, new.schema
    if "enum" in old_s or "enum" in new_s:
        removed = [v for v in old_s.get("enum", []) if v not in new_s.get("enum", [])]
        added = [v for v in new_s.get("enum", []) if v not in old_s.get("enum", [])]
        if removed:
            problems.append(f"{path}: enumeration values removed: {removed}")
        if added:
            problems.append(f"{path}: enumeration values added: {added}")
    for constraint in _CONSTRAINTS:
        if old_s.get(constraint) != new_s.get(constraint):
            problems.append(
                f"{path}: {constraint} changed from {old_s.get(constraint)!r} "
                f"to {new_s.get(constraint)!r}"
            )

    old_props: Mapping[str, Schema] = old_s.get("properties", {})
    new_props: Mapping[str, Schema] = new_s.get("properties", {})
    for name, schema in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: field removed")
            continue
        _compare(
            old.child(schema),
            new.child(new_props[name]),
            f"{path}.{name}",
            problems,
            visiting,
        )
    old_required = set(old_s.get("required", ()))
    for name in new_s.get("required", ()):
        if name not in old_required:
            what = "field" if name in old_props else "new field"
            problems.append(f"{path}.{name}: {what} is now required")

    for keyword, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        old_sub, new_sub = old_s.get(keyword), new_s.get(keyword)
        if isinstance(old_sub, Mapping) and isinstance(new_sub, Mapping):
            _compare(
                old.child(old_sub),
                new.child(new_sub),
                path + suffix,
                problems,
                visiting,
            )
        elif old_sub != new_sub and (old_sub is not None or new_sub is not None):
            problems.append(
                f"{path}{suffix}: {keyword} changed from {old_sub!r} to {new_sub!r}"
            )


def _fingerprint(nodes: list[_Node]) -> list[str]:
    """Enough to tell whether several same-kind branches stayed as they were."""
    return sorted(repr(_strip(node.schema)) for node in nodes)


def _strip(schema: Any) -> Any:
    if isinstance(schema, Mapping):
        return {
            k: _strip(v)
            for k, v in sorted(schema.items())
            if k not in ("title", "description", "examples")
        }
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    return schema
