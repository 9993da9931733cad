"""The library entry point for notebooks, rules and the CLI: files in, IPD and diagnostics out."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from kmrepro.reconstruct.cleaning import clean_curve
from kmrepro.errors import InputError
from kmrepro.ingest.readers import DigitizedCurve, RiskTable, read_censor_marks, read_curve, read_risk_table
from kmrepro.reconstruct.guyot import Reconstruction, reconstruct


class DigitizationWarning(UserWarning):
    """A recoverable oddity in digitized input, repaired and reported once."""


def reconstruct_arm(
    curve: str | Path | DigitizedCurve,
    n: int,
    at_risk: str | Path | RiskTable | None = None,
    total_events: int | None = None,
    dataset: str | None = None,
    scale: str = "auto",
    monotone: str = "isotonic",
    censor_marks: str | Path | np.ndarray | None = None,
) -> Reconstruction:
    """Read, clean and reconstruct one arm; the returned diagnostics record every repair made.

    ``censor_marks``: the censoring times the figure marks (a file from ``kmrepro digitize`` or an
    array); censorings are placed at them rather than spread evenly."""
    marks_path = None
    if censor_marks is not None and not isinstance(censor_marks, np.ndarray):
        marks_path, censor_marks = str(censor_marks), read_censor_marks(censor_marks)
    if not isinstance(curve, DigitizedCurve):
        curve = read_curve(curve, dataset=dataset, scale=scale)
    if at_risk is not None and not isinstance(at_risk, RiskTable):
        at_risk = read_risk_table(at_risk)
    check_counts(curve.path, n, at_risk, total_events)
    cleaned = clean_curve(curve.time, curve.survival, monotone=monotone)
    notes = list(cleaned.notes)
    if at_risk is not None and at_risk.time[0] == 0 and n > at_risk.n_at_risk[0]:
        notes.append(
            f"N = {n} exceeds the number at risk at time 0 ({at_risk.n_at_risk[0]}); "
            f"the {n - at_risk.n_at_risk[0]} extra patient(s) are censored at time 0"
        )
    for note in notes:
        warnings.warn(f"{curve.path}: {note}", DigitizationWarning, stacklevel=2)
    result = reconstruct(
        cleaned,
        n,
        None if at_risk is None else at_risk.time,
        None if at_risk is None else at_risk.n_at_risk,
        total_events,
        censor_marks=censor_marks,
    )
    result.diagnostics.update(
        curve=curve.path,
        at_risk_table=None if at_risk is None else at_risk.path,
        scale=curve.scale,
        cleaning_notes=notes,
        monotone=monotone,
        censor_marks=None if censor_marks is None else {"file": marks_path, "marks": int(len(censor_marks))},
    )
    return result


def check_counts(source: str | Path, n: int, at_risk: RiskTable | None, total_events: int | None) -> None:
    """Reject counts that contradict each other (N, the risk table, the event total) before any work;
    ``source`` (the curve's file, or its figure image) is the file named when N or the total is wrong."""
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise InputError(source, f"N must be a positive whole number, got {n!r}")
    if at_risk is not None and n < at_risk.n_at_risk[0]:
        raise InputError(
            at_risk.path,
            f"N = {n} is smaller than the first number at risk ({at_risk.n_at_risk[0]} at time {at_risk.time[0]:g})",
            row=2,
        )
    if total_events is not None and not 0 <= total_events <= n:
        raise InputError(source, f"total events {total_events} must be between 0 and N = {n}")
