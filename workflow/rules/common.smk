"""What the rules share: validated configuration, result paths, and which inputs each job reads.

Rerun policy (what a change reruns):
* a digitized curve or risk-table file: only the reconstruction of its endpoint and what depends on it
  (that endpoint's survival analysis, the trial's claims and report);
* a figure image (an endpoint's ``image:``): its digitization, then as for a digitized curve;
* trial.yaml: jobs see it as ``ancient`` input, and get the part of it they read as a ``params`` value
  (``trial_part``), so Snakemake's params trigger reruns exactly the jobs whose part changed: an arm's N
  or an endpoint's files rerun that reconstruction, landmarks rerun survival analyses, a claim reruns only
  the claims table and the report (which read the whole file);
* a notebook, or any module or template of the kmrepro package: every job that runs that notebook, or every job
  (the library is treated as one unit, so no stale number survives an edit of it).
"""

import json
from pathlib import Path

import kmrepro
from snakemake import __version__ as SNAKEMAKE_VERSION
from snakemake.exceptions import WorkflowError
from kmrepro.api import check_counts
from kmrepro.errors import InputError
from kmrepro.ingest.readers import read_curve, read_risk_table
from kmrepro.audit.trial import config_from, load_config, load_trial
from kmrepro.schemas import read_schema, schema_problem
from kmrepro.results import (
    CLAIMS_CSV,
    CLAIMS_JSON,
    PROVENANCE,
    REPORT,
    RESPONSE,
    diagnostics_file,
    digitization_file,
    digitized_curve_file,
    digitized_folder,
    ipd_file,
    km_figure_file,
    model_figure_file,
    overlay_figure_file,
    qa_figure_file,
    stats_file,
)

SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"
NOTEBOOKS = Path(workflow.basedir) / "notebooks"
CONDA_ENV = "../../envs/kmrepro.yaml"
#: The kmrepro package: its modules and the report's templates (kmrepro/publish/templates/*.html). Not
#: kmrepro.corpus (generator, registry): it runs before and after the workflow, never in a job, so editing it
#: must not rebuild every trial (what it generates is the trials' input, which reruns what it changes).
PACKAGE = Path(kmrepro.__file__).parent
LIBRARY = sorted(
    str(p)
    for p in PACKAGE.rglob("*")
    if p.suffix in (".py", ".html") and p.relative_to(PACKAGE).parts[0] != "corpus"
)

#: Files that define how every number is made (hashed into each trial's provenance.json).
WORKFLOW_FILES = sorted(
    {
        str(Path(workflow.main_snakefile)),
        *map(str, (Path(workflow.basedir) / "workflow" / "rules").glob("*.smk")),
        *map(str, SCHEMAS.glob("*.yaml")),
    }
)
CONFIG_FILES = list(dict.fromkeys(map(str, [*workflow.configfiles, *workflow.overwrite_configfiles])))


def validated_config():
    """The run's settings as Snakemake merged them (later config files and --config win).

    Each config file (the Snakefile's, then any --configfile) must be valid on its own, so that a mistake
    is reported with the file it is in; then the merged settings, which --config values (such as
    ``limit``, from ``make corpus LIMIT=N``) may have broken.
    """
    schema = read_schema(SCHEMAS / "config.schema.yaml")
    for path in CONFIG_FILES:
        load_config(path, SCHEMAS / "config.schema.yaml")
    problem = schema_problem(dict(config), schema)
    if problem is not None:
        raise InputError("--config", problem)
    return config_from(config, schema)


def validated_trials(config):
    """Each configured trial.yaml, validated (figure images decoded), with every digitized file it names parsed once.

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
                source = endpoint.image.path if endpoint.image else read_curve(files.curve, dataset=files.dataset, scale=files.scale).path
                at_risk = None if files.at_risk is None else read_risk_table(files.at_risk)
                check_counts(source, files.n, at_risk, files.total_events)
        trials[trial_id] = trial
    return trials


def digitized_files(wildcards):
    """Every input file of the trial's curves: figure images, digitized curves and risk tables of all endpoints."""
    return TRIALS[wildcards.trial].input_files()


def trial_file(wildcards):
    return str(TRIALS[wildcards.trial].path)


def curve_files(wildcards):
    """The digitized files of one endpoint, both arms: for an image endpoint the digitize stage's curves
    (its folder) and report instead of curve files."""
    endpoint = TRIALS[wildcards.trial].endpoint(wildcards.endpoint)
    at_risk = [str(f.at_risk) for f in endpoint.curves.values() if f.at_risk is not None]
    if endpoint.image is not None:
        root = trial_results(wildcards)
        return [f"{root}/{digitized_folder(endpoint.id)}", f"{root}/{digitization_file(endpoint.id)}", *at_risk]
    return [str(f.curve) for f in endpoint.curves.values()] + at_risk


def digitized_curves(wildcards):
    """Notebook parameter: arm -> the digitize stage's curve file, for an image endpoint; else nothing."""
    endpoint = TRIALS[wildcards.trial].endpoint(wildcards.endpoint)
    if endpoint.image is None:
        return {}
    return {arm: f"{trial_results(wildcards)}/{digitized_curve_file(endpoint.id, arm)}" for arm in endpoint.curves}


def digitization_report(wildcards):
    """Notebook parameter: the digitize stage's report of an image endpoint (its calibration); else None."""
    endpoint = TRIALS[wildcards.trial].endpoint(wildcards.endpoint)
    return None if endpoint.image is None else f"{trial_results(wildcards)}/{digitization_file(endpoint.id)}"


def figure_image(wildcards):
    return str(TRIALS[wildcards.trial].endpoint(wildcards.endpoint).image.path)


def trial_part(*keys, endpoint=False):
    """Params function: the keys of trial.yaml a job reads (and its endpoint's entry), as canonical JSON."""

    def part(wildcards):
        data = TRIALS[wildcards.trial].data
        chosen = {key: data.get(key) for key in keys}
        if endpoint:
            chosen["endpoint"] = next(e for e in data["endpoints"] if e["id"] == wildcards.endpoint)
        return json.dumps(chosen, sort_keys=True)

    return part


def result(name):
    """A result file's path pattern, from its contract name (kmrepro.results), e.g. ``result(REPORT)``."""
    return f"{RESULTS}/{{trial}}/{name}"


def endpoint_results(contract_name):
    """Input function: one result file per endpoint of the trial, e.g. ``endpoint_results(stats_file)``."""

    def files(wildcards):
        return [f"{RESULTS}/{wildcards.trial}/{contract_name(e.id)}" for e in TRIALS[wildcards.trial].endpoints]

    return files


def image_endpoint_results(contract_name):
    """Input function: one result file per endpoint that starts from an image (e.g. its overlay)."""

    def files(wildcards):
        trial = TRIALS[wildcards.trial]
        return [f"{RESULTS}/{wildcards.trial}/{contract_name(e.id)}" for e in trial.endpoints if e.image is not None]

    return files


def response_results(wildcards):
    """response.json for trials with a response: section, else nothing."""
    return [f"{RESULTS}/{wildcards.trial}/{RESPONSE}"] if TRIALS[wildcards.trial].response else []


def trial_results(wildcards):
    return f"{RESULTS}/{wildcards.trial}"


#: The one papermill command of every notebook job; the executed copy is an output, parameters are params.notebook.
PAPERMILL = (
    "papermill -k python3 --log-output --no-progress-bar --no-request-save-on-cell-execute"
    " {input.notebook:q} {output.notebook:q} -y {params.notebook:q} > {log:q} 2>&1"
)
#: notebook_parameters source: every declared input under the trial's results folder, by contract name.
RESULT_INPUTS = "results"


def notebook_parameters(**sources):
    """Params function: a notebook's parameters as one JSON object for ``papermill -y``.

    Each value says where its parameter comes from: ``input.NAME`` or ``output.NAME`` (a file the rule declares),
    ``wildcards.NAME``, ``config.NAME`` (a validated setting, kept as a number), a function of the wildcards
    (e.g. ``digitized_curves``, whose files the rule declares as input too), or RESULT_INPUTS (the rule's
    inputs under results/<trial>/ as {contract name: path}, which kmrepro.results.ResultFiles reads). So a notebook reads exactly the files Snakemake knows it reads. JSON keeps
    an all-digit id a string (papermill's -p would make it a number).
    """

    def parameters(wildcards, input, output):
        values = {}
        for parameter, source in sources.items():
            if callable(source):
                values[parameter] = source(wildcards)
            elif source == RESULT_INPUTS:
                root = Path(trial_results(wildcards))
                files = [Path(f) for f in input]
                values[parameter] = {f.relative_to(root).as_posix(): str(f) for f in files if f.is_relative_to(root)}
            elif source.startswith("config."):
                values[parameter] = getattr(CONFIG, source.partition(".")[2])
            else:
                kind, _, name = source.partition(".")
                values[parameter] = str(getattr({"input": input, "output": output, "wildcards": wildcards}[kind], name))
        return json.dumps(values, sort_keys=True)

    return parameters
