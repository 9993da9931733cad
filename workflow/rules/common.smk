"""What the rules share: validated configuration, result paths, and which inputs each job reads.

Rerun policy (what a change reruns):
* a digitized curve or risk-table file: only the reconstruction of its endpoint and what depends on it
  (that endpoint's survival analysis, the trial's claims and report);
* trial.yaml: jobs see it as ``ancient`` input, and get the part of it they read as a ``params`` value
  (``trial_part``), so Snakemake's params trigger reruns exactly the jobs whose part changed: an arm's N
  or an endpoint's files rerun that reconstruction, landmarks rerun survival analyses, a claim reruns only
  the claims table and the report (which read the whole file);
* a notebook, or any module of the kmrepro package: every job that runs that notebook, or every job
  (the library is treated as one unit, so no stale number survives an edit of it).
"""

import json
from pathlib import Path

import kmrepro
from snakemake.exceptions import WorkflowError
from kmrepro.api import check_counts
from kmrepro.errors import InputError
from kmrepro.ingest.readers import read_curve, read_risk_table
from kmrepro.audit.trial import Config, load_config, load_trial

SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"
NOTEBOOKS = Path(workflow.basedir) / "notebooks"
CONDA_ENV = "../../envs/kmrepro.yaml"
# kmrepro.corpus (generator, registry) runs before and after the workflow, never in a job: editing it must not
# rebuild every trial (what it generates is the trials' input, which reruns what it changes).
LIBRARY = sorted(str(p) for p in Path(kmrepro.__file__).parent.rglob("*.py") if p.parent.name != "corpus")


def validated_config():
    """The run's settings as Snakemake merged them (later config files and --config win).

    Each config file (the Snakefile's, then any --configfile) must be valid on its own, so that a mistake
    is reported with the file it is in.
    """
    files = dict.fromkeys(map(str, [*workflow.configfiles, *workflow.overwrite_configfiles]))
    first = [load_config(path, SCHEMAS / "config.schema.yaml") for path in files][0]
    return Config(
        trials=tuple(config["trials"]),
        trials_dir=Path(config.get("trials_dir", first.trials_dir)),
        results_dir=Path(config.get("results_dir", first.results_dir)),
    )


def validated_trials(config):
    """Each configured trial.yaml, validated, with every digitized file it names parsed once.

    Parsing the CSVs here costs milliseconds and turns a malformed file into an error before any job
    starts, naming the file and row, instead of a failed job halfway through the build.
    """
    trials = {}
    for trial_id in config.trials:
        trial = load_trial(config.trial_file(trial_id), SCHEMAS / "trial.schema.yaml")
        if trial.id != trial_id:
            raise InputError(trial.path, f"id: {trial.id!r} must equal its folder name {trial_id!r}")
        for endpoint in trial.endpoints:
            for arm, files in endpoint.curves.items():
                curve = read_curve(files.curve, dataset=files.dataset, scale=files.scale)
                at_risk = None if files.at_risk is None else read_risk_table(files.at_risk)
                check_counts(curve, files.n, at_risk, files.total_events)
        trials[trial_id] = trial
    return trials


def trial_file(wildcards):
    return str(TRIALS[wildcards.trial].path)


def curve_files(wildcards):
    """The digitized files of one endpoint, both arms."""
    endpoint = TRIALS[wildcards.trial].endpoint(wildcards.endpoint)
    files = [f.curve for f in endpoint.curves.values()] + [f.at_risk for f in endpoint.curves.values()]
    return [str(f) for f in files if f is not None]


def trial_part(*keys, endpoint=False):
    """Params function: the keys of trial.yaml a job reads (and its endpoint's entry), as canonical JSON."""

    def part(wildcards):
        data = TRIALS[wildcards.trial].data
        chosen = {key: data.get(key) for key in keys}
        if endpoint:
            chosen["endpoint"] = next(e for e in data["endpoints"] if e["id"] == wildcards.endpoint)
        return json.dumps(chosen, sort_keys=True)

    return part


def endpoint_results(folder, pattern):
    """Input function: one file per endpoint of the trial, e.g. ``("stats", "{endpoint}.json")``."""

    def files(wildcards):
        return [
            f"{RESULTS}/{wildcards.trial}/{folder}/{pattern.format(endpoint=e.id)}"
            for e in TRIALS[wildcards.trial].endpoints
        ]

    return files


def response_results(wildcards):
    """response.json for trials with a response: section, else nothing."""
    return [f"{RESULTS}/{wildcards.trial}/response.json"] if TRIALS[wildcards.trial].response else []


def trial_results(wildcards):
    return f"{RESULTS}/{wildcards.trial}"
