"""A sheet schema split into parts that each read few fields, so validation runs once per distinct
value (a property) or once per distinct combination of the fields an `if/then` block reads, not once
per row. Validating a row against every part gives exactly the errors of validating it against the
whole schema: the parts keep the whole schema's paths (`properties/<key>/…`, `allOf/<i>/…`).

A schema that uses a keyword reading the whole object (minProperties, patternProperties, …) cannot
be split; `split_schema` then returns None and rows are validated whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# keywords of the top level that never fail for a row read from the sheet: every key a row can hold is a
# field, and every field is a property
_TOP_LEVEL = {"$schema", "$id", "$comment", "title", "description", "type", "properties", "required", "additionalProperties", "allOf"}
_WHOLE_OBJECT = {
    "minProperties",
    "maxProperties",
    "patternProperties",
    "propertyNames",
    "additionalProperties",
    "unevaluatedProperties",
    "dependentSchemas",
    "$ref",
    "$dynamicRef",
}
_NESTED = ("if", "then", "else", "not")
_NESTED_LISTS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True)
class Reads:
    """What a subschema looks at: the values of some keys, and only whether others are present."""

    values: tuple[str, ...]
    presence: tuple[str, ...]


@dataclass(frozen=True)
class Branch:
    """One `allOf` block as condition and consequence: `when` is judged once per distinct combination
    of what it reads; `then` (or `otherwise`) only on the rows where it holds (or does not)."""

    when: Any  # validator of the `if` subschema alone (None: the block always applies)
    when_reads: Reads
    then: Any  # validator placing the consequence at the block's own index, so errors keep their path
    then_reads: Reads
    otherwise: Any = None
    otherwise_reads: Reads = Reads((), ())


@dataclass(frozen=True)
class SchemaParts:
    properties: dict[str, Any]  # field key -> validator of a list of values, each against the field's schema
    required: tuple[str, ...]
    branches: list[Branch]


def _reads(schema: Any) -> Reads | None:
    """What a subschema reads (values, and presence only), or None when it reads the whole object."""
    if isinstance(schema, bool):
        return Reads((), ())
    if not isinstance(schema, dict) or _WHOLE_OBJECT & schema.keys():
        return None
    values = set(schema.get("properties", {}))
    presence = set(schema.get("required", ()))
    for k, needs in schema.get("dependentRequired", {}).items():
        values.add(k)
        presence |= set(needs)
    parts = [schema[k] for k in _NESTED if k in schema] + [s for k in _NESTED_LISTS for s in schema.get(k, ())]
    for part in parts:
        more = _reads(part)
        if more is None:
            return None
        values |= set(more.values)
        presence |= set(more.presence)
    return Reads(tuple(sorted(values)), tuple(sorted(presence - values)))


def _branch(i: int, block: dict[str, Any], compile: Any) -> Branch | None:
    def placed(sub: dict[str, Any]) -> Any:  # at index i of allOf, so an error's path names this block
        return compile({"allOf": [{}] * i + [sub]})

    if "if" not in block:  # a plain constraint: the whole block, always
        reads = _reads(block)
        return None if reads is None else Branch(None, Reads((), ()), placed(block), reads)
    rest = {k: v for k, v in block.items() if k not in ("if", "then", "else")}
    reads = [_reads(block["if"]), _reads(block.get("then", True)), _reads(block.get("else", True)), _reads(rest)]
    if any(r is None for r in reads) or any(k for k in rest if not k.startswith("x-")):
        return None
    when_reads, then_reads, else_reads, _ = reads
    then = placed({"if": True, "then": block["then"]}) if "then" in block else None
    otherwise = placed({"if": False, "else": block["else"]}) if "else" in block else None
    return Branch(compile(block["if"]), when_reads, then, then_reads, otherwise, else_reads)  # type: ignore[arg-type]


def _refers(schema: Any) -> bool:
    """Does it point elsewhere in the document ($ref)? A part taken out alone would lose the target."""
    if isinstance(schema, dict):
        return "$ref" in schema or "$dynamicRef" in schema or any(_refers(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_refers(v) for v in schema)
    return False


def split_schema(schema: dict[str, Any]) -> SchemaParts | None:
    import jsonschema_rs

    if any(k not in _TOP_LEVEL and not k.startswith("x-") for k in schema) or schema.get("type", "object") != "object" or _refers(schema):
        return None

    def compile(sub: Any) -> Any:
        return jsonschema_rs.validator_for(sub, validate_formats=True)

    branches = []
    for i, block in enumerate(schema.get("allOf", ())):
        branch = _branch(i, block, compile)
        if branch is None:
            return None
        branches.append(branch)
    properties = {
        key: jsonschema_rs.validator_for({"type": "array", "items": sub}, validate_formats=True)
        for key, sub in schema.get("properties", {}).items()
    }
    return SchemaParts(properties, tuple(schema.get("required", ())), branches)
