"""Load trial.yaml and config.yaml, failing at load with the file and the key path of the first mistake.

The workflow runs for minutes before it reads a claim, so every mistake that can be found without running it
(schema violations, a missing curve file, a claim pointing at an unknown endpoint) is reported here, in terms
a user can search for in the YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from kmrepro.errors import InputError
from kmrepro.ingest.digitize import ArmSpec, parse_arm, parse_ticks
from kmrepro.ingest.digitize.image import load_image
from kmrepro.ingest.readers import DigitizedCurve, read_curve
from kmrepro.printed import printed_decimals
from kmrepro.results import RESPONSE, parse_result_path, stats_file
from kmrepro.schemas import read_schema, validated

#: Keys of response.json that claims may point at (the results contract); those of the stats files come
#: from their schema, stats.schema.yaml beside trial.schema.yaml.
RESPONSE_KEYS = frozenset({"arms", "difference"})
#: Checks that read the claim's value as a rounded percentage.
PERCENT_CHECKS = frozenset({"percent_of", "fraction", "share_of_unknown_total", "one_minus"})
#: Checks whose count references are used as the integer n of a percentage.
EXACT_COUNT_CHECKS = frozenset({"percent_of", "fraction", "share_of_unknown_total"})
CLAIM_ID_CHECKS = frozenset({"one_minus", "equals", "p_from_ci"})
CI_CHECKS = frozenset({"ci_contains_estimate", "wald_symmetric"})


@dataclass(frozen=True)
class Arm:
    id: str
    label: str
    n: int
    reference: bool


@dataclass(frozen=True)
class ArmFiles:
    """One arm's digitized inputs; paths are the trial folder joined with the YAML's relative path.

    ``n`` is the number of patients the curve starts with (the arm's n unless the figure is a subgroup).
    ``curve`` is None when the endpoint gives an image: the workflow's digitize stage writes the curve.
    """

    curve: Path | None
    at_risk: Path | None
    dataset: str | None
    scale: str
    total_events: int | None
    n: int


@dataclass(frozen=True)
class FigureImage:
    """An endpoint's figure image to digitize, as typed in trial.yaml (checked at load)."""

    path: Path
    x_ticks: str
    y_ticks: str
    arms: dict[str, str]  # arm id -> COLOUR[:solid|dashed]

    def arm_specs(self) -> list[ArmSpec]:
        return [parse_arm(f"{arm}={colour}") for arm, colour in self.arms.items()]


@dataclass(frozen=True)
class Endpoint:
    """One figure; ``arms`` are the arms it shows (in trial order) and ``reference`` their comparator."""

    id: str
    label: str
    figure: str | None
    curves: dict[str, ArmFiles]
    arms: tuple[str, ...]
    reference: str
    image: FigureImage | None = None

    def read_curve(self, arm: str, digitized: Mapping[str, str | Path] | None = None) -> DigitizedCurve:
        """One arm's curve: from the digitize stage's file (``digitized``: arm -> CSV) for an image endpoint,
        else from the curve file trial.yaml names."""
        if self.image is not None:
            if not digitized or arm not in digitized:
                raise KeyError(f"endpoint {self.id!r} starts from an image: give its digitized curve of arm {arm!r}")
            return read_curve(digitized[arm])
        files = self.curves[arm]
        return read_curve(files.curve, dataset=files.dataset, scale=files.scale)


class CI(NamedTuple):
    """A published 95% confidence interval; None for an end the publication gives as not estimable."""

    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Regeneration:
    """Where the results give a claim's number: one path, or several whose values are summed."""

    paths: tuple[str, ...]
    transform: str | None = None
    tolerance: float | None = None  # an override of the interval verdict, with its reason
    tolerance_reason: str | None = None


@dataclass(frozen=True)
class Claim:
    """One published number of trial.yaml, with the schema's defaults filled in.

    ``decimals`` is the precision the number was printed with (explicit, else read off the value and its CI);
    None for claims that state no number.
    """

    id: str
    kind: str
    description: str
    source: str
    source_ref: str = "article"
    value: float | str | None = None
    unit: str | None = None
    comparator: str = "="
    decimals: int | None = None
    ci: CI | None = None
    regenerate: Regeneration | None = None
    checks: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_bound(self) -> bool:
        """Stated as a bound (P < 0.0001) rather than a value at its printed precision."""
        return self.comparator not in ("=", "~")


def _claim(data: dict) -> Claim:
    ci = CI(data["ci"]["lower"], data["ci"]["upper"]) if "ci" in data else None
    value = data.get("value")
    decimals = data.get("decimals")
    if decimals is None and isinstance(value, (int, float)):
        decimals = printed_decimals(value, *(ci or ()))
    regenerate = data.get("regenerate")
    if regenerate is not None:
        path = regenerate["path"]
        regenerate = Regeneration(
            paths=(path,) if isinstance(path, str) else tuple(path),
            transform=regenerate.get("transform"),
            tolerance=regenerate.get("tolerance", {}).get("value"),
            tolerance_reason=regenerate.get("tolerance", {}).get("reason"),
        )
    return Claim(
        id=data["id"],
        kind=data["kind"],
        description=data["description"],
        source=data["source"],
        source_ref=data.get("source_ref", "article"),
        value=value,
        unit=data.get("unit"),
        comparator=data.get("comparator", "="),
        decimals=decimals,
        ci=ci,
        regenerate=regenerate,
        checks=dict(data.get("checks", {})),
    )


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
    claims: tuple[Claim, ...]
    data: dict[str, Any]

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def reference(self) -> Arm:
        return next(a for a in self.arms if a.reference)

    def arm(self, arm_id: str) -> Arm:
        return _by_id(self.arms, arm_id, "arm")

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return _by_id(self.endpoints, endpoint_id, "endpoint")

    def claim(self, claim_id: str) -> Claim:
        return _by_id(self.claims, claim_id, "claim")

    def input_files(self) -> list[str]:
        """Every file the trial's curves come from (figure images, digitized curves, risk tables), sorted:
        what its jobs read besides trial.yaml, and what its provenance.json hashes."""
        return sorted(
            {
                str(path)
                for endpoint in self.endpoints
                for path in [
                    endpoint.image and endpoint.image.path,
                    *(path for files in endpoint.curves.values() for path in (files.curve, files.at_risk)),
                ]
                if path
            }
        )


def _by_id(items, wanted: str, what: str):
    """The item with id ``wanted``; a KeyError listing the ids there are, for a caller's typo."""
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(f"unknown {what} {wanted!r} (known: {', '.join(item.id for item in items)})")


@dataclass(frozen=True)
class Config:
    trials: tuple[str, ...]
    trials_dir: Path
    results_dir: Path
    reconstruction_draws: int
    batch: bool  # every stage of a trial in one process, no notebooks (kmrepro.batch)
    batch_size: int  # papers per batch job

    def trial_file(self, trial_id: str) -> Path:
        return self.trials_dir / trial_id / "trial.yaml"

    def batches(self) -> list[tuple[str, ...]]:
        """The trials in groups of ``batch_size``, in config order: one batch job each. A longer ``trials`` list
        keeps the earlier groups as they were, so growing a corpus rebuilds at most its last group."""
        return [self.trials[i : i + self.batch_size] for i in range(0, len(self.trials), self.batch_size)]


def stats_schema_path(trial_schema_path: str | Path) -> Path:
    """The stats contract's schema, which lives beside the trial schema."""
    return Path(trial_schema_path).with_name("stats.schema.yaml")


def _stats_keys(stats_schema: dict) -> tuple[frozenset[str], frozenset[str]]:
    """(per-arm keys, comparison keys) of the stats files: what a claim may point at."""
    arm = stats_schema["$defs"]["arm"]["properties"]
    comparison = stats_schema["properties"]["comparison"]["properties"]
    return frozenset(arm), frozenset(comparison) - {"arm", "reference"}


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


def _result_path_problem(text: str, data: dict, stats_keys: tuple[frozenset[str], frozenset[str]]) -> str | None:
    """Why ``text`` names nothing the workflow writes for this trial, or None if it does."""
    arm_ids = [a["id"] for a in data["arms"]]
    file, keys = parse_result_path(text)
    keys = keys + [""] * 4  # so short paths read as an unknown (empty) key
    if file == RESPONSE:
        response_ids = [r["id"] for r in data.get("response", [])]
        if keys[0] not in response_ids:
            return f"unknown response id {keys[0]!r} (responses: {', '.join(response_ids) or 'none'})"
        if keys[1] not in RESPONSE_KEYS:
            return f"expected {keys[0]}.arms.<arm>... or {keys[0]}.difference..."
        if keys[1] == "arms" and keys[2] not in arm_ids:
            return f"unknown arm {keys[2]!r} (arms: {', '.join(arm_ids)})"
        return None
    endpoint_ids = [e["id"] for e in data["endpoints"]]
    if not any(stats_file(e) == file for e in endpoint_ids):
        return f"unknown endpoint {Path(file).stem!r} (endpoints: {', '.join(endpoint_ids)})"
    arm_keys, comparison_keys = stats_keys
    spec = next(e for e in data["endpoints"] if stats_file(e["id"]) == file)
    shown = spec.get("arms", arm_ids)
    if keys[0] == "comparison":
        if keys[1] not in comparison_keys:
            return f"expected comparison.<{'|'.join(sorted(comparison_keys))}>"
        if len(shown) != 2:
            return f"endpoint {spec['id']!r} has {len(shown)} arms: name one with comparisons.<arm>..."
        return None
    if keys[0] == "comparisons":
        if len(shown) == 2:
            return f"endpoint {spec['id']!r} has two arms: use comparison..."
        compared = [a for a in shown if a != _endpoint_reference(spec, data)]
        if keys[1] not in compared:
            return f"expected comparisons.<{'|'.join(compared)}> (arms compared with the reference)"
        if keys[2] not in comparison_keys:
            return f"expected comparisons.{keys[1]}.<{'|'.join(sorted(comparison_keys))}>"
        return None
    if keys[0] != "arms":
        return "expected arms.<arm>... or comparison..."
    if keys[1] not in arm_ids:
        return f"unknown arm {keys[1]!r} (arms: {', '.join(arm_ids)})"
    if keys[1] not in shown:
        return f"endpoint {spec['id']!r} does not show arm {keys[1]!r} (its arms: {', '.join(shown)})"
    if keys[2] not in arm_keys:
        return f"expected arms.{keys[1]}.<{'|'.join(sorted(arm_keys))}>"
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


def _has_full_ci(claim: Claim) -> bool:
    return claim.ci is not None and claim.ci.lower is not None and claim.ci.upper is not None


def _check_claim_checks(path: Path, data: dict, i: int, claim: Claim, by_id: dict[str, Claim]) -> None:
    arm_ids = [a["id"] for a in data["arms"]]
    for name, arg in claim.checks.items():
        key = f"claims[{i}].checks.{name}"
        if not isinstance(claim.value, (int, float)):
            raise InputError(path, f"{key}: needs a numeric value")
        if name in PERCENT_CHECKS and not (claim.unit == "percent" and not claim.is_bound):
            raise InputError(path, f"{key}: needs a claim with unit percent stated with = or ~")
        if name in CI_CHECKS and not (claim.ci if name == "ci_contains_estimate" else _has_full_ci(claim)):
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
            if not isinstance(target.value, (int, float)):
                raise InputError(path, f"{ref_key}: claim {ref['claim']!r} states no number")
            if name in EXACT_COUNT_CHECKS and (target.unit, target.comparator) != ("count", "="):
                raise InputError(path, f"{ref_key}: claim {ref['claim']!r} must be an exact count (unit count, =)")
            if name == "p_from_ci" and not _has_full_ci(target):
                raise InputError(path, f"{ref_key}: claim {ref['claim']!r} needs a ci with both bounds")


def _check_claims(path: Path, data: dict, claims: list[Claim], stats_keys) -> None:
    _unique_ids(path, data["claims"], "claims")
    by_id = {c.id: c for c in claims}
    for i, claim in enumerate(claims):
        several = claim.regenerate is not None and isinstance(data["claims"][i]["regenerate"]["path"], list)
        for j, text in enumerate(claim.regenerate.paths if claim.regenerate else ()):
            problem = _result_path_problem(text, data, stats_keys)
            if problem:
                where = f"[{j}]" if several else ""
                raise InputError(path, f"claims[{i}].regenerate.path{where}: {problem} in {text!r}")
        _check_claim_checks(path, data, i, claim, by_id)


def _curve(folder: Path, spec: dict, arm_n: int) -> ArmFiles:
    return ArmFiles(
        curve=folder / spec["curve"] if "curve" in spec else None,
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


def _image(folder: Path, spec: dict) -> FigureImage:
    return FigureImage(folder / spec["path"], spec["x_ticks"], spec["y_ticks"], dict(spec["arms"]))


def _check_image(path: Path, key: str, endpoint: dict, arm_ids: list[str]) -> None:
    """The image decodes, its ticks and colours parse, its arms are the trial's, and no arm also gives a curve."""
    spec = endpoint["image"]
    for arm, files in endpoint["curves"].items():
        for clash in ("curve", "dataset", "scale"):
            if clash in files:
                raise InputError(path, f"{key}.curves.{arm}.{clash}: not allowed with {key}.image (the image is digitized)")
    image = path.parent / spec["path"]
    if not image.is_file():
        raise InputError(path, f"{key}.image.path: file not found: {spec['path']}")
    try:
        load_image(image)
    except InputError as err:
        raise InputError(path, f"{key}.image.path: {err.message}") from None
    for axis in ("x_ticks", "y_ticks"):
        try:
            ticks = parse_ticks(spec[axis], axis)
        except ValueError as err:
            raise InputError(path, f"{key}.image.{axis}: {err}") from None
        if axis == "y_ticks" and ticks.end not in (1.0, 100.0):
            raise InputError(path, f"{key}.image.y_ticks: {spec[axis]!r} must end at 1 (proportion) or 100 (percent)")
    _same_arms(path, f"{key}.image.arms", spec["arms"], arm_ids, "colour")
    try:
        _image(path.parent, spec).arm_specs()
    except ValueError as err:
        raise InputError(path, f"{key}.image.arms: {err}") from None


def load_trial(path: str | Path, schema_path: str | Path) -> Trial:
    """Read, validate and cross-check a trial.yaml; raise InputError naming the file and key of the first problem."""
    path = Path(path)
    data, _ = validated(path, schema_path)
    arm_ids = [a["id"] for a in data["arms"]]
    _unique_ids(path, data["arms"], "arms")
    references = [a["id"] for a in data["arms"] if a.get("reference", False)]
    if len(references) != 1:
        raise InputError(path, f"arms: exactly one arm needs reference: true, found {len(references)}")
    _unique_ids(path, data["endpoints"], "endpoints")
    for i, endpoint in enumerate(data["endpoints"]):
        _check_endpoint_arms(path, data, i, arm_ids)
        if "image" in endpoint:
            _check_image(path, f"endpoints[{i}]", endpoint, endpoint.get("arms", arm_ids))
        for arm, spec in endpoint["curves"].items():
            if "image" not in endpoint and "curve" not in spec:
                raise InputError(path, f"endpoints[{i}].curves.{arm}: 'curve' is required (or give the endpoint an image)")
            for key in ("curve", "at_risk"):
                if key in spec and not (path.parent / spec[key]).is_file():
                    raise InputError(path, f"endpoints[{i}].curves.{arm}.{key}: file not found: {spec[key]}")
    _unique_ids(path, data.get("response", []), "response")
    for i, response in enumerate(data.get("response", [])):
        _same_arms(path, f"response[{i}].percent", response["percent"], arm_ids, "percentage")
    claims = [_claim(c) for c in data["claims"]]
    _check_claims(path, data, claims, _stats_keys(read_schema(stats_schema_path(schema_path))))
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
                image=_image(path.parent, e["image"]) if "image" in e else None,
            )
            for e in data["endpoints"]
        ),
        landmarks=tuple(data["analysis"]["landmarks"]),
        rmst_tau=data["analysis"]["rmst_tau"],
        response={r["id"]: r for r in data.get("response", [])},
        claims=tuple(claims),
        data=data,
    )


def load_config(path: str | Path, schema_path: str | Path) -> Config:
    """Read and validate config.yaml, filling the schema's defaults for keys left out."""
    return config_from(*validated(Path(path), schema_path))


def config_from(data: Mapping[str, Any], schema: dict) -> Config:
    """The settings of a configuration that meets ``schema``, its defaults filled for keys left out
    (``limit``: only the first trials)."""
    defaults = {k: p["default"] for k, p in schema["properties"].items() if "default" in p}
    data = {**defaults, **data}
    return Config(
        trials=tuple(data["trials"][: data.get("limit")]),
        trials_dir=Path(data["trials_dir"]),
        results_dir=Path(data["results_dir"]),
        reconstruction_draws=data["reconstruction_draws"],
        batch=data["batch"],
        batch_size=data["batch_size"],
    )
