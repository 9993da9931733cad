"""kmrepro: digitized Kaplan-Meier curves -> reconstructed IPD -> re-analysis -> claim-by-claim audit report.

Run from the repository root: ``snakemake --cores 2``. Every trial listed in config/config.yaml gets
results/<trial>/report.html. config.yaml and every trial.yaml are validated (and every digitized file
parsed) before any job starts, so a mistake stops the run with the file and key to fix and no partial
results. Rerun policy: see workflow/rules/common.smk.
"""


from snakemake.utils import min_version


min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


try:
    CONFIG = validated_config()
    TRIALS = validated_trials(CONFIG)
except InputError as err:
    raise WorkflowError(f"invalid input, nothing was run: {err}") from None
RESULTS = str(CONFIG.results_dir)


report: "workflow/report/workflow.rst"


wildcard_constraints:
    trial="[a-z0-9][a-z0-9_-]*",
    endpoint="[a-z0-9][a-z0-9_-]*",


# One notebook job per stage (executed notebooks beside the results), or for corpora (config batch: true)
# one job per group of trials through the same library functions (kmrepro.batch), which also writes their
# provenance.json.
if CONFIG.batch:

    include: "workflow/rules/batch.smk"

else:

    include: "workflow/rules/digitize.smk"
    include: "workflow/rules/reconstruct.smk"
    include: "workflow/rules/survival.smk"
    include: "workflow/rules/response.smk"
    include: "workflow/rules/claims.smk"
    include: "workflow/rules/report.smk"
    include: "workflow/rules/provenance.smk"


localrules:
    all,


rule all:
    input:
        reports=expand(result(REPORT), trial=TRIALS),
        claims=expand(result(CLAIMS_CSV), trial=TRIALS),
        provenance=expand(result(PROVENANCE), trial=TRIALS),
    default_target: True
