"""The batch path: every stage of one or more trials in one Python process, without notebooks.

A notebook job pays a kernel start and the imports (about 2.5 s) for a second of work, five or more times per
trial; a corpus of hundreds of papers is then mostly start-up. This runs the same stage functions as the
notebooks (kmrepro.stages, the claim check, the report templates) and writes the same result files, so a
corpus trial built here and one built through the notebooks agree byte for byte. KC-WISE and GBSG2 keep their
executed notebooks; `batch: true` in a workflow config (the corpus's) selects this path
(workflow/rules/batch.smk: one job per ``batch_size`` papers). Endpoints that start from a figure image are
digitized here as the digitize notebook does it. Trials with a ``response:`` section need the response notebook:
refused here.

Each trial gets its provenance.json and a log (``logs/batch.log``: its warnings, or why it failed). A trial
that fails does not stop the others; the exit status is 1 when any failed.

``python -m kmrepro.batch --schema S --stats-schema T --results-dir R [--draws N] [--snakemake V]
[--hash FILE...] --trials TRIAL_YAML...``
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from pathlib import Path

import pandas as pd

from kmrepro.analysis.survival import write_stats
from kmrepro.audit.claims import evaluate_claims, write_claims_csv, write_claims_json
from kmrepro.audit.trial import Trial, load_trial
from kmrepro.errors import InputError
from kmrepro.ingest.digitize import write_outputs
from kmrepro.io import write_csv_atomic, write_json_atomic, write_text_atomic
from kmrepro.publish.plots import save_figure
from kmrepro.publish.provenance import collect, write_provenance
from kmrepro.publish.report import render_report
from kmrepro.results import (
    CLAIMS_CSV,
    CLAIMS_JSON,
    PROVENANCE,
    REPORT,
    ResultFiles,
    analysis_files,
    diagnostics_file,
    digitization_file,
    digitized_curve_file,
    digitized_folder,
    ipd_file,
    km_figure_file,
    overlay_figure_file,
    qa_figure_file,
    stats_file,
)
from kmrepro.reconstruct.intervals import ClickNoise
from kmrepro.stages import (
    diagnostics_document,
    digitize_endpoint,
    endpoint_stats,
    figure_noise,
    km_plot,
    qa_plot,
    reconstruct_endpoint,
)


def build_trial(trial: Trial, stats_schema: Path, results: Path, draws: int = 0) -> None:
    """All result files of one trial under ``results`` (its provenance.json must be there already: the
    report's footer shows it). report.html is written last, so its presence means the trial is complete."""
    if trial.response:
        raise ValueError(f"{trial.path}: trials with a response: section are built by the notebooks, not in batch")
    endpoints = [e.id for e in trial.endpoints]
    images = [e.id for e in trial.endpoints if e.image is not None]
    for endpoint in endpoints:
        digitized, noise = digitize(trial, endpoint, results) if endpoint in images else ({}, None)
        rec = reconstruct_endpoint(trial, endpoint, digitized)
        write_csv_atomic(results / ipd_file(endpoint), rec.ipd)
        diagnostics = diagnostics_document(trial, endpoint, rec.diagnostics)
        write_json_atomic(results / diagnostics_file(endpoint), diagnostics)
        save_figure(qa_plot(trial, endpoint, rec), results / qa_figure_file(endpoint))
        # The survival stage reads the IPD as written (CSV rounds floats), as the notebooks' survival job does.
        ipd = pd.read_csv(results / ipd_file(endpoint), dtype={"arm": str})
        stats = endpoint_stats(trial, endpoint, ipd, source=results / ipd_file(endpoint), draws=draws,
                               digitized=digitized, noise=noise)
        write_stats(results / stats_file(endpoint), stats, stats_schema)
        save_figure(km_plot(trial, endpoint, ipd, stats, diagnostics), results / km_figure_file(endpoint))
    claims = evaluate_claims(trial, ResultFiles.under(results, analysis_files(endpoints, False)))
    write_claims_csv(claims, results / CLAIMS_CSV)
    write_claims_json(claims, results / CLAIMS_JSON)
    shown = [CLAIMS_JSON, PROVENANCE, *analysis_files(endpoints, False)]
    shown += [f(e) for e in endpoints for f in (diagnostics_file, km_figure_file, qa_figure_file)]
    shown += [f(e) for e in images for f in (digitization_file, overlay_figure_file)]
    write_text_atomic(results / REPORT, render_report(trial, ResultFiles.under(results, shown)))


def digitize(trial: Trial, endpoint: str, results: Path) -> tuple[dict[str, Path], ClickNoise]:
    """The digitize stage of an image endpoint, its files written as the digitize notebook writes them; the
    curve file of each arm and the click noise of the figure's calibration, read back from those files as the
    notebooks read them."""
    write_outputs(digitize_endpoint(trial, endpoint), results / digitized_folder(endpoint),
                  overlay=results / overlay_figure_file(endpoint), report=results / digitization_file(endpoint))
    curves = {arm: results / digitized_curve_file(endpoint, arm) for arm in trial.endpoint(endpoint).curves}
    return curves, figure_noise(results / digitization_file(endpoint))


def build_logged(trial_file: Path, args: argparse.Namespace) -> bool:
    """Provenance and results of one trial, its warnings or failure in its log; whether it was built. Its
    report.html, the mark of a complete build, goes first: a paper that fails leaves none, even when an earlier
    build had made one, so the registry cannot take the earlier results for this build's."""
    results = args.results_dir / trial_file.parent.name
    (results / REPORT).unlink(missing_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trial = load_trial(trial_file, args.schema)
            inputs = [trial_file, *trial.input_files(), *args.hash]
            write_provenance(results / PROVENANCE, collect(trial.id, inputs, args.snakemake))
            build_trial(trial, args.stats_schema, results, args.draws)
            failure = None
        except InputError as err:
            failure = f"error: {err}\n"
        except Exception:  # noqa: BLE001 - one paper's bug must not stop the others; its log has the traceback
            failure = traceback.format_exc()
    lines = [f"{w.category.__name__}: {w.message}\n" for w in caught]
    lines.append(failure or f"built {results}\n")
    write_text_atomic(results / "logs" / "batch.log", "".join(lines))
    if failure:
        print(f"{trial_file}: failed, see {results / 'logs' / 'batch.log'}", file=sys.stderr)
    return failure is None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmrepro.batch", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", nargs="+", type=Path, required=True, help="trial.yaml files")
    parser.add_argument("--schema", type=Path, required=True, help="trial.schema.yaml")
    parser.add_argument("--stats-schema", type=Path, required=True, help="stats.schema.yaml")
    parser.add_argument("--results-dir", type=Path, required=True, help="results/<trial>/ are written under it")
    parser.add_argument("--draws", type=int, default=0, help="Monte Carlo draws of the reconstruction intervals")
    parser.add_argument("--snakemake", help="version of the Snakemake running the build (for provenance.json)")
    parser.add_argument("--hash", nargs="*", default=[], type=Path,
                        help="files every trial is built with (library, workflow, config): hashed into provenance.json")
    args = parser.parse_args(argv)
    built = [build_logged(trial_file, args) for trial_file in args.trials]
    print(f"{sum(built)} of {len(built)} trials built")
    return 0 if all(built) else 1


if __name__ == "__main__":
    sys.exit(main())
