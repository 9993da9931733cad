"""Load trial.yaml and config.yaml, failing at load with the file and the key path of the first mistake.

The workflow runs for minutes before it reads a claim, so every mistake that can be found without running it
(schema violations, a missing curve file, a claim pointing at an unknown endpoint) is reported here, in terms
a user can search for in the YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from kmrepro.errors import InputError

#: Keys of stats/<endpoint>.json and response.json that claims may point at (the results contract).
STATS_ARM_KEYS = frozenset({"n", "events", "median", "survival", "rmst", "median_follow_up"})
STATS_COMPARISON_KEYS = frozenset({"hazard_ratio", "logrank", "rmst_difference"})
#: Key of stats/<endpoint>.json holding, for endpoints of three or more arms, each arm's effects against
#: the endpoint's reference (``comparisons.<arm>.hazard_ratio``); two-arm endpoints have ``comparison``.
STATS_COMPARISONS = "comparisons"
RESPONSE_KEYS = frozenset({"arms", "difference"})
#: Checks that read the claim's value as a rounded percentage.
PERCENT_CHECKS = frozenset({"percent_of", "fraction", "share_of_unknown_total", "one_minus"})
#: Checks whose count references are used as the integer n of a percentage.
EXACT_COUNT_CHECKS = frozenset({"percent_of", "fraction", "share_of_unknown_total"})
CLAIM_ID_CHECKS = frozenset({"one_minus", "equals", "p_from_ci"})
CI_CHECKS = frozenset({"ci_contains_estimate", "wald_symmetric"})


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text: JSON Schema knows only strings of format date."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Arm:
    id: str
    label: str
    n: int
    reference: bool


@dataclass(frozen=True)
class Curve:
    """One arm's digitized inputs; paths are the trial folder joined with the YAML's relative path.
    ``n`` is the number of patients the curve starts with (the arm's n unless the figure is a subgroup)."""

    curve: Path
    at_risk: Path | None
    dataset: str | None
    scale: str
    total_events: int | None
    n: int


@dataclass(frozen=True)
class Endpoint:
    """One figure; ``arms`` are the arms it shows (in trial order) and ``reference`` their comparator."""

    id: str
    label: str
    figure: str | None
    curves: dict[str, Curve]
    arms: tuple[str, ...]
    reference: str


@dataclass(frozen=True)
class Trial:
    """A validated trial.yaml; ``response`` maps id to the item as written (what response.summarise_response
    takes) and ``data`` keeps the whole document (citation, provenance, ...)."""

    path: Path
    id: str
    time_unit: str
    arms: tuple[Arm, ...]
    endpoints: tuple[Endpoint, ...]
    landmarks: tuple[float, ...]
    rmst_tau: float
    response: dict[str, dict[str, Any]]
    claims: tuple[dict[str, Any], ...]
    data: dict[str, Any]

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def reference(self) -> Arm:
        return next(a for a in self.arms if a.reference)

    def arm(self, arm_id: str) -> Arm:
        return next(a for a in self.arms if a.id == arm_id)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return next(e for e in self.endpoints if e.id == endpoint_id)

    def claim(self, claim_id: str) -> dict[str, Any]:
        return next(c for c in self.claims if c["id"] == claim_id)


@dataclass(frozen=True)
class Config:
    trials: tuple[str, ...]
    trials_dir: Path
    results_dir: Path

    def trial_file(self, trial_id: str) -> Path:
        return self.trials_dir / trial_id / "trial.yaml"


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


def _validated(path: Path, schema_path: str | Path) -> tuple[Any, dict]:
    """The document at ``path`` and its schema, once the document meets the schema."""
    schema = read_yaml(schema_path)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    data = read_yaml(path)
    error = jsonschema.exceptions.best_match(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(data))
    if error is not None:
        raise InputError(path, f"{key_path(error.absolute_path)}: {_message(error)}")
    return data, schema


def _unique_ids(path: Path, items: list[dict], key: str) -> None:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item["id"] in first:
            raise InputError(path, f"{key}[{i}].id: duplicate id {item['id']!r} (first at {key}[{first[item['id']]}])")
        first[item["id"]] = i


def _same_arms(path: Path, key: str, given: Iterable[str], arm_ids: list[str], what: str) -> None:
    given = list(given)
    for arm in arm_ids:
        if arm not in given:
            raise InputError(path, f"{key}: no {what} for arm {arm!r}")
    for arm in given:
        if arm not in arm_ids:
            raise InputError(path, f"{key}.{arm}: unknown arm {arm!r} (arms: {', '.join(arm_ids)})")


def parse_result_path(text: str) -> tuple[str, list[str]]:
    """``stats/os.json#arms.x.median`` -> (``stats/os.json``, [``arms``, ``x``, ``median``])."""
    file, _, keys = text.partition("#")
    return file, keys.split(".")


def _result_path_problem(text: str, data: dict) -> str | None:
    """Why ``text`` names nothing the workflow writes for this trial, or None if it does."""
    arm_ids = [a["id"] for a in data["arms"]]
    file, keys = parse_result_path(text)
    keys = keys + [""] * 4  # so short paths read as an unknown (empty) key
    if file == "response.json":
        response_ids = [r["id"] for r in data.get("response", [])]
        if keys[0] not in response_ids:
            return f"unknown response id {keys[0]!r} (responses: {', '.join(response_ids) or 'none'})"
        if keys[1] not in RESPONSE_KEYS:
            return f"expected {keys[0]}.arms.<arm>... or {keys[0]}.difference..."
        if keys[1] == "arms" and keys[2] not in arm_ids:
            return f"unknown arm {keys[2]!r} (arms: {', '.join(arm_ids)})"
        return None
    endpoint_ids = [e["id"] for e in data["endpoints"]]
    endpoint = file.removeprefix("stats/").removesuffix(".json")
    if endpoint not in endpoint_ids:
        return f"unknown endpoint {endpoint!r} (endpoints: {', '.join(endpoint_ids)})"
    spec = data["endpoints"][endpoint_ids.index(endpoint)]
    shown = spec.get("arms", arm_ids)
    if keys[0] == "comparison":
        if keys[1] not in STATS_COMPARISON_KEYS:
            return f"expected comparison.<{'|'.join(sorted(STATS_COMPARISON_KEYS))}>"
        if len(shown) != 2:
            return f"endpoint {endpoint!r} has {len(shown)} arms: name one with {STATS_COMPARISONS}.<arm>..."
        return None
    if keys[0] == STATS_COMPARISONS:
        if len(shown) == 2:
            return f"endpoint {endpoint!r} has two arms: use comparison..."
        compared = [a for a in shown if a != _endpoint_reference(spec, data)]
        if keys[1] not in compared:
            return f"expected {STATS_COMPARISONS}.<{'|'.join(compared)}> (arms compared with the reference)"
        if keys[2] not in STATS_COMPARISON_KEYS:
            return f"expected {STATS_COMPARISONS}.{keys[1]}.<{'|'.join(sorted(STATS_COMPARISON_KEYS))}>"
        return None
    if keys[0] != "arms":
        return "expected arms.<arm>... or comparison..."
    if keys[1] not in arm_ids:
        return f"unknown arm {keys[1]!r} (arms: {', '.join(arm_ids)})"
    if keys[1] not in shown:
        return f"endpoint {endpoint!r} does not show arm {keys[1]!r} (its arms: {', '.join(shown)})"
    if keys[2] not in STATS_ARM_KEYS:
        return f"expected arms.{keys[1]}.<{'|'.join(sorted(STATS_ARM_KEYS))}>"
    landmarks = [f"{t:g}" for t in data["analysis"]["landmarks"]]
    if keys[2] == "survival" and keys[3] not in landmarks:
        return f"landmark {keys[3]!r} is not in analysis.landmarks ({', '.join(landmarks)})"
    return None


def _references(name: str, arg: Any, key: str) -> Iterator[tuple[str, dict]]:
    """The count references (``{n|arm|claim: ...}``) of one check, each with its key path."""
    if name in CLAIM_ID_CHECKS:
        yield key, {"claim": arg}
    elif name == "sum_of":
        yield from ((f"{key}[{j}]", ref) for j, ref in enumerate(arg))
    elif name in ("fraction", "ratio"):
        yield from ((f"{key}.{part}", arg[part]) for part in ("numerator", "denominator"))
    elif name in ("percent_of", "share_of_unknown_total"):
        yield key, arg


def _has_full_ci(claim: dict) -> bool:
    ci = claim.get("ci") or {}
    return ci.get("lower") is not None and ci.get("upper") is not None


def _check_claim_checks(path: Path, data: dict, i: int, by_id: dict[str, dict]) -> None:
    claim = data["claims"][i]
    arm_ids = [a["id"] for a in data["arms"]]
    for name, arg in claim.get("checks", {}).items():
        key = f"claims[{i}].checks.{name}"
        if not isinstance(claim["value"], (int, float)):
            raise InputError(path, f"{key}: needs a numeric value")
        exact = claim.get("comparator", "=") in ("=", "~")
        if name in PERCENT_CHECKS and not (claim["unit"] == "percent" and exact):
            raise InputError(path, f"{key}: needs a claim with unit percent stated with = or ~")
        if name in CI_CHECKS and not (claim.get("ci") if name == "ci_contains_estimate" else _has_full_ci(claim)):
            raise InputError(path, f"{key}: needs a ci{'' if name == 'ci_contains_estimate' else ' with both bounds'}")
        for ref_key, ref in _references(name, arg, key):
            if "arm" in ref and ref["arm"] not in arm_ids:
                raise InputError(path, f"{ref_key}: unknown arm {ref['arm']!r} (arms: {', '.join(arm_ids)})")
            if "claim" not in ref:
                continue
            target = by_id.get(ref["claim"])
            if target is None:
                raise InputError(path, f"{ref_key}: unknown claim {ref['claim']!r}")
            if target is claim:
                raise InputError(path, f"{ref_key}: a claim cannot check against itself")
            if not isinstance(target.get("value"), (int, float)):
                raise InputError(path, f"{ref_key}: claim {ref['claim']!r} states no number")
            if name in EXACT_COUNT_CHECKS and (target["unit"], target.get("comparator", "=")) != ("count", "="):
                raise InputError(path, f"{ref_key}: claim {ref['claim']!r} must be an exact count (unit count, =)")
            if name == "p_from_ci" and not _has_full_ci(target):
                raise InputError(path, f"{ref_key}: claim {ref['claim']!r} needs a ci with both bounds")


def _check_claims(path: Path, data: dict) -> None:
    claims = data["claims"]
    _unique_ids(path, claims, "claims")
    by_id = {c["id"]: c for c in claims}
    for i, claim in enumerate(claims):
        regen_path = claim.get("regenerate", {}).get("path", [])
        for j, text in enumerate([regen_path] if isinstance(regen_path, str) else regen_path):
            problem = _result_path_problem(text, data)
            if problem:
                where = "" if isinstance(regen_path, str) else f"[{j}]"
                raise InputError(path, f"claims[{i}].regenerate.path{where}: {problem} in {text!r}")
        _check_claim_checks(path, data, i, by_id)


def _curve(folder: Path, spec: dict, arm_n: int) -> Curve:
    return Curve(
        curve=folder / spec["curve"],
        at_risk=folder / spec["at_risk"] if "at_risk" in spec else None,
        dataset=spec.get("dataset"),
        scale=spec.get("scale", "auto"),
        total_events=spec.get("total_events"),
        n=spec.get("n", arm_n),
    )


def _endpoint_reference(endpoint: dict, data: dict) -> str:
    """The endpoint's own reference, else the trial's (load_trial has checked there is exactly one)."""
    return endpoint.get("reference") or next(a["id"] for a in data["arms"] if a.get("reference", False))


def _check_endpoint_arms(path: Path, data: dict, i: int, arm_ids: list[str]) -> None:
    """A figure shows all arms, or the ``arms`` it lists; its reference is one of them."""
    endpoint = data["endpoints"][i]
    for j, arm in enumerate(endpoint.get("arms", [])):
        if arm not in arm_ids:
            raise InputError(path, f"endpoints[{i}].arms[{j}]: unknown arm {arm!r} (arms: {', '.join(arm_ids)})")
    shown = endpoint.get("arms", arm_ids)
    _same_arms(path, f"endpoints[{i}].curves", endpoint["curves"], shown, "curve")
    reference = _endpoint_reference(endpoint, data)
    if reference not in shown:
        raise InputError(path, f"endpoints[{i}].reference: {reference!r} is not one of its arms ({', '.join(shown)})")


def load_trial(path: str | Path, schema_path: str | Path) -> Trial:
    """Read, validate and cross-check a trial.yaml; raise InputError naming the file and key of the first problem."""
    path = Path(path)
    data, _ = _validated(path, schema_path)
    arm_ids = [a["id"] for a in data["arms"]]
    _unique_ids(path, data["arms"], "arms")
    references = [a["id"] for a in data["arms"] if a.get("reference", False)]
    if len(references) != 1:
        raise InputError(path, f"arms: exactly one arm needs reference: true, found {len(references)}")
    _unique_ids(path, data["endpoints"], "endpoints")
    for i, endpoint in enumerate(data["endpoints"]):
        _check_endpoint_arms(path, data, i, arm_ids)
        for arm, spec in endpoint["curves"].items():
            for key in ("curve", "at_risk"):
                if key in spec and not (path.parent / spec[key]).is_file():
                    raise InputError(path, f"endpoints[{i}].curves.{arm}.{key}: file not found: {spec[key]}")
    _unique_ids(path, data.get("response", []), "response")
    for i, response in enumerate(data.get("response", [])):
        _same_arms(path, f"response[{i}].percent", response["percent"], arm_ids, "percentage")
    _check_claims(path, data)
    arm_n = {a["id"]: a["n"] for a in data["arms"]}
    return Trial(
        path=path,
        id=data["id"],
        time_unit=data["time_unit"],
        arms=tuple(Arm(a["id"], a["label"], a["n"], a.get("reference", False)) for a in data["arms"]),
        endpoints=tuple(
            Endpoint(
                e["id"],
                e["label"],
                e.get("figure"),
                {arm: _curve(path.parent, s, arm_n[arm]) for arm, s in e["curves"].items()},
                arms=tuple(a for a in arm_n if a in e.get("arms", arm_n)),
                reference=_endpoint_reference(e, data),
            )
            for e in data["endpoints"]
        ),
        landmarks=tuple(data["analysis"]["landmarks"]),
        rmst_tau=data["analysis"]["rmst_tau"],
        response={r["id"]: r for r in data.get("response", [])},
        claims=tuple(data["claims"]),
        data=data,
    )


def load_config(path: str | Path, schema_path: str | Path) -> Config:
    """Read and validate config.yaml, filling the schema's defaults for keys left out."""
    path = Path(path)
    data, schema = _validated(path, schema_path)
    defaults = {k: p["default"] for k, p in schema["properties"].items() if "default" in p}
    data = {**defaults, **data}
    return Config(trials=tuple(data["trials"]), trials_dir=Path(data["trials_dir"]), results_dir=Path(data["results_dir"]))
