"""The results contract: what each stage writes under ``results/<trial>/``, and the one loader that reads it.

Rules, notebooks, the claim check and the report name result files only through this module, so a file's
place is written once. A job is given its files as a mapping from contract name (``stats/os.json``) to path,
which is what Snakemake declared as the job's input: the loader reads nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kmrepro.errors import InputError

RESPONSE = "response.json"
CLAIMS_CSV = "claims.csv"
CLAIMS_JSON = "claims.json"
PROVENANCE = "provenance.json"
REPORT = "report.html"


def ipd_file(endpoint: str) -> str:
    return f"ipd/{endpoint}.csv"


def diagnostics_file(endpoint: str) -> str:
    return f"diagnostics/{endpoint}.json"


def stats_file(endpoint: str) -> str:
    return f"stats/{endpoint}.json"


def km_figure_file(endpoint: str) -> str:
    return f"figures/km_{endpoint}.png"


def qa_figure_file(endpoint: str) -> str:
    return f"figures/qa_{endpoint}.png"


def digitized_folder(endpoint: str) -> str:
    """Where the digitize stage writes an image endpoint's curves: <arm>.csv and <arm>_censored.csv per arm
    (the names kmrepro.ingest.digitize.write_outputs gives)."""
    return f"digitized/{endpoint}"


def digitized_curve_file(endpoint: str, arm: str) -> str:
    return f"{digitized_folder(endpoint)}/{arm}.csv"


def censor_marks_file(endpoint: str, arm: str) -> str:
    return f"{digitized_folder(endpoint)}/{arm}_censored.csv"


def digitization_file(endpoint: str) -> str:
    """The digitize stage's report: calibration, coverage, hidden stretches, censor marks."""
    return f"digitized/{endpoint}.json"


def overlay_figure_file(endpoint: str) -> str:
    """The digitized curves drawn over the figure image, for checking by eye."""
    return f"figures/overlay_{endpoint}.png"


#: The extrapolation and proportional-hazards figures the survival stage draws per endpoint.
MODEL_FIGURES = ("extrapolation", "hazard", "logcumhaz", "schoenfeld")


def model_figure_file(kind: str, endpoint: str) -> str:
    if kind not in MODEL_FIGURES:
        raise KeyError(f"unknown model figure {kind!r} (known: {', '.join(MODEL_FIGURES)})")
    return f"figures/{kind}_{endpoint}.png"


def hazard_ratio_path(endpoint: str, arm: str | None = None) -> str:
    """The claim path of an endpoint's regenerated hazard ratio (of ``arm`` against the reference, in an
    endpoint of three or more arms)."""
    if arm is None:
        return f"{stats_file(endpoint)}#comparison.hazard_ratio"
    return f"{stats_file(endpoint)}#comparisons.{arm}.hazard_ratio"


def comparisons(stats: Mapping[str, Any]) -> dict[str | None, dict]:
    """A stats file's between-arm effects by compared arm: None keys the one ``comparison`` of a two-arm
    endpoint; an endpoint of three or more arms has ``comparisons``, one per arm against its reference."""
    return {None: stats["comparison"]} if "comparison" in stats else dict(stats["comparisons"])


def analysis_files(endpoints: list[str], with_response: bool) -> list[str]:
    """The analysis results of a trial (what its claims and report read): stats per endpoint, response rates."""
    return [stats_file(e) for e in endpoints] + ([RESPONSE] if with_response else [])


def parse_result_path(text: str) -> tuple[str, list[str]]:
    """``stats/os.json#arms.x.median`` -> (``stats/os.json``, [``arms``, ``x``, ``median``])."""
    file, _, keys = text.partition("#")
    return file, keys.split(".")


class ResultFiles:
    """The result files one job was given, by contract name; each JSON file is parsed once."""

    def __init__(self, files: Mapping[str, str | Path]):
        self.files = {name: Path(path) for name, path in files.items()}
        self._parsed: dict[str, Any] = {}

    @classmethod
    def under(cls, folder: str | Path, names: list[str]) -> ResultFiles:
        """``names`` at their contract places under one trial's results folder (running a notebook by hand)."""
        return cls({name: Path(folder) / name for name in names})

    def path(self, name: str) -> Path:
        try:
            return self.files[name]
        except KeyError:
            raise KeyError(f"{name!r} was not given to this job (given: {', '.join(self.files) or 'nothing'})") from None

    def __contains__(self, name: str) -> bool:
        return name in self.files

    def json(self, name: str) -> Any:
        if name not in self._parsed:
            path = self.path(name)
            try:
                self._parsed[name] = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise InputError(path, "results file not found") from None
            except json.JSONDecodeError as err:
                raise InputError(path, f"not valid JSON: {err.msg}", row=err.lineno) from err
        return self._parsed[name]

    def lookup(self, text: str) -> Any:
        """The node at a claim path ``FILE#KEY.KEY``."""
        file, keys = parse_result_path(text)
        node = self.json(file)
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                raise InputError(self.path(file), f"no key {'.'.join(keys)!r}")
            node = node[key]
        return node
