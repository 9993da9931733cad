"""The vendored kmdata corpus (data/kmdata/) read as papers, figures and published hazard ratios.

kmdata holds one IPD set per figure panel *and pair of arms*: a panel showing three or four arms (a
treatment crossed with a subgroup, or several regimens against one control) appears as two or three data
sets, named ``TRIAL(a)_2A``, ``TRIAL(b)_2A``, ..., that share the comparator's curve. Here the sets of one
panel that share an arm become one figure with all its arms, so the workflow sees the panel as published;
each data set keeps its own published hazard ratio (that arm against the shared one).

kmdata's IPD are a reconstruction from the published figures (its authors digitized them and applied
the Guyot algorithm), not the trials' patient data.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lifelines import CoxPHFitter

from kmrepro.errors import InputError

KMDATA = Path(__file__).resolve().parents[3] / "data" / "kmdata"

#: Arm names that mark a comparator: placebo, observation, control, "no X", deferred treatment ...
CONTROL_NAME = re.compile(r"^(placebo|pbo|observation|control|no[ _]|follow_up_only|deferred|delayed|physicians_choice)")
#: |log HR| below which a hazard ratio does not tell which way round it was computed (HR within 0.95-1.05).
UNTELLABLE_LOG_HR = 0.05


@dataclass(frozen=True)
class Dataset:
    """One kmdata IPD set: a pair of arms of one figure panel, with the paper's hazard ratio for it."""

    name: str
    key: dict  # its key.csv row
    ipd: pd.DataFrame  # arm, time, event
    arms: tuple[str, str]

    @property
    def published_hr(self) -> float:
        return float(self.key["HazardRatio"])


@dataclass
class Figure:
    """One published panel: the arms it shows, the reference of its hazard ratios and why."""

    paper: int  # PubMed id
    panel: str  # "2A"
    datasets: list[Dataset]
    arms: list[str] = field(default_factory=list)
    reference: str = ""
    reference_rule: str = ""  # how the reference was told (REFERENCE_RULES)
    ipd_hr: dict[str, float] = field(default_factory=dict)  # data set -> HR of kmdata's IPD, arm vs reference

    @property
    def key(self) -> dict:
        return self.datasets[0].key


REFERENCE_RULES = {
    "shared comparator": "the arm every pair of this panel shares (kmdata splits a multi-arm panel into pairs)",
    "hr direction": "the arm against which kmdata's own IPD gives a hazard ratio on the published side of 1",
    "arm name": "the arm named as a control (placebo, observation, no ...), or the regimen the other arm adds to",
    "undetermined": "cannot be told: the published hazard ratio is too close to 1 and the arm names do not say; "
    "the second arm in kmdata's order is taken",
}


def load(folder: Path = KMDATA) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """key.csv and the IPD grouped by data set name (kmdata's IPD prefixes names starting with a digit by X,
    as R's make.names does; the prefix is dropped so names match key.csv)."""
    key = pd.read_csv(folder / "key.csv", keep_default_na=True)
    ipd = pd.read_csv(folder / "ipd.csv.gz", dtype={"arm": str})
    ipd["dataset"] = ipd["dataset"].str.replace(r"^X(?=\d)", "", regex=True)
    return key, {name: frame[["arm", "time", "event"]].reset_index(drop=True) for name, frame in ipd.groupby("dataset")}


def datasets(key: pd.DataFrame, ipd: dict[str, pd.DataFrame], folder: Path = KMDATA) -> Iterator[Dataset | InputError]:
    """Every usable data set in key.csv order; an unusable one (no IPD, not two arms, no published HR)
    yields an InputError saying why, so the caller reports it and goes on."""
    for row_number, row in enumerate(key.to_dict("records"), start=2):
        where = (folder / "key.csv", row_number)
        frame = ipd.get(row["name"])
        if frame is None:
            yield InputError(*where[:1], f"data set {row['name']!r} has no IPD in ipd.csv.gz", row=where[1])
            continue
        arms = tuple(dict.fromkeys(frame["arm"]))
        if len(arms) != 2:
            yield InputError(where[0], f"data set {row['name']!r} has {len(arms)} arm(s), need 2", row=where[1])
            continue
        if not (isinstance(row["HazardRatio"], float) and math.isfinite(row["HazardRatio"]) and row["HazardRatio"] > 0):
            yield InputError(where[0], f"data set {row['name']!r} states no hazard ratio", row=where[1])
            continue
        yield Dataset(row["name"], row, frame, arms)


def log_hr(ipd: pd.DataFrame, arm: str, reference: str) -> float:
    """Cox log hazard ratio of ``arm`` against ``reference`` (lifelines' defaults: Efron ties)."""
    pair = ipd[ipd["arm"].isin([arm, reference])]
    data = pd.DataFrame({"time": pair["time"], "event": pair["event"], "x": (pair["arm"] == arm).astype(float)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(CoxPHFitter().fit(data, "time", "event").params_["x"])


def figures(sets: list[Dataset]) -> list[Figure]:
    """Group one paper's data sets into panels: sets of the same panel that share an arm are one figure."""
    found: list[Figure] = []
    for ds in sets:
        panel = str(ds.key["Figure"])
        match = next(
            (f for f in found if f.panel == panel and any(set(ds.arms) & set(o.arms) for o in f.datasets)), None
        )
        if match is None:
            found.append(Figure(int(ds.key["PubMedID"]), panel, [ds]))
        else:
            match.datasets.append(ds)
    for figure in found:
        figure.arms = list(dict.fromkeys(a for ds in figure.datasets for a in ds.arms))
        _choose_reference(figure)
    return found


def _named_reference(arms: tuple[str, str]) -> str | None:
    """The control by name, or the regimen the other arm adds to (folfiri vs panitumumab_folfiri)."""
    named = [a for a in arms if CONTROL_NAME.match(a)]
    if len(named) == 1:
        return named[0]
    tokens = {a: set(re.split(r"[_\- ]", a)) for a in arms}
    a, b = arms
    return a if tokens[a] < tokens[b] else b if tokens[b] < tokens[a] else None


def _choose_reference(figure: Figure) -> None:
    """Which arm the published HRs are against, and by which rule (REFERENCE_RULES, in order of use)."""
    if len(figure.datasets) > 1:
        (shared,) = set.intersection(*(set(ds.arms) for ds in figure.datasets)) or {None}
        if shared is not None:
            figure.reference, figure.reference_rule = shared, "shared comparator"
    if not figure.reference:
        (ds,) = figure.datasets
        a, b = ds.arms
        pub = math.log(ds.published_hr)
        b_ref = log_hr(ds.ipd, a, b)  # a against b
        if abs(pub) >= UNTELLABLE_LOG_HR and abs(b_ref) >= UNTELLABLE_LOG_HR:
            figure.reference, figure.reference_rule = (b if (pub > 0) == (b_ref > 0) else a), "hr direction"
        elif _named_reference(ds.arms):
            figure.reference, figure.reference_rule = _named_reference(ds.arms), "arm name"
        else:
            figure.reference, figure.reference_rule = b, "undetermined"
        figure.ipd_hr[ds.name] = math.exp(b_ref if figure.reference == b else -b_ref)
        return
    for ds in figure.datasets:
        (arm,) = [a for a in ds.arms if a != figure.reference] or [None]
        if arm is None:  # a panel of pairs with no common arm cannot be a multi-arm figure
            raise ValueError(f"{ds.name}: reference {figure.reference!r} is not one of its arms {ds.arms}")
        figure.ipd_hr[ds.name] = math.exp(log_hr(ds.ipd, arm, figure.reference))
