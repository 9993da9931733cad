"""YAML files and the JSON Schemas they meet (trial.yaml, config.yaml, the stats files): parsing, and the first
mistake reported with the file, the row or the key path a user can search for.

Schemas are parsed once per process while unchanged: a corpus run validates hundreds of trial.yaml files."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from kmrepro.errors import InputError


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text: JSON Schema knows only strings of format date."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):
    """The same reading through libyaml when installed (a corpus run reads hundreds of trial.yaml files at
    start-up); a file it rejects is read again by _Loader, whose error message names the row."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a syntax error names the row the parser stopped at."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as err:
        raise InputError(path, f"cannot read file: {err.strerror}") from err
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError:
        pass
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = " ".join(str(getattr(err, "problem", None) or err).split())
        raise InputError(path, f"not valid YAML: {problem}", row=None if mark is None else mark.line + 1) from err


def key_path(parts: Iterable[str | int]) -> str:
    """jsonschema's path as a user writes it: ``endpoints[0].curves.placebo``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{', '.join(map(repr, extra))} {'is' if len(extra) == 1 else 'are'} not allowed"
    return " ".join(error.message.split())


#: id(schema) -> (schema, its checked validator): read_schema returns one dict per file, checked once.
_VALIDATORS: dict[int, tuple[dict, Any]] = {}


def _validator(schema: dict) -> Any:
    known = _VALIDATORS.get(id(schema))
    if known is None or known[0] is not schema:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        known = _VALIDATORS[id(schema)] = (schema, cls(schema, format_checker=cls.FORMAT_CHECKER))
    return known[1]


def schema_problem(data: Any, schema: dict) -> str | None:
    """Where and how ``data`` breaks ``schema`` (``key.path: problem``), or None when it meets it."""
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(data))
    return None if error is None else f"{key_path(error.absolute_path)}: {_message(error)}"


@functools.lru_cache(maxsize=None)
def _schema_at(path: str, mtime_ns: int) -> dict:
    return read_yaml(path)


def read_schema(path: str | Path) -> dict:
    """A schema file, parsed once per process while it is unchanged (a run validates every trial against it)."""
    path = Path(path)
    try:
        return _schema_at(str(path.resolve()), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None


def validated(path: Path, schema_path: str | Path) -> tuple[Any, dict]:
    """The document at ``path`` and its schema, once the document meets the schema."""
    schema = read_schema(schema_path)
    data = read_yaml(path)
    problem = schema_problem(data, schema)
    if problem is not None:
        raise InputError(path, problem)
    return data, schema
