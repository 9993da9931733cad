"""The batch path (config ``batch: true``, the corpus's): every stage of ``batch_size`` papers in one process.

A job per paper paid the Python start-up and imports (about 2.5 s of CPU) for 3-5 s of work; a job per group
of papers pays them once. The groups are CONFIG.batches(): consecutive trials in config order, so adding
trials at the end rebuilds only the last group. One rule per group (batch_0000, batch_0001, ...), each
declaring every file of its papers that the next steps read, so Snakemake tracks each paper's report.

A paper that fails is written to its own log and the job goes on with the others, then exits non-zero; the
profiles keep a failed job's finished files (keep-incomplete) and rerun the whole group next time
(rerun-incomplete), so one broken paper costs its group a rebuild, never the other papers' reports.
"""


def batch_outputs(trials, name):
    return [f"{RESULTS}/{trial}/{name}" for trial in trials]


for index, batch in enumerate(CONFIG.batches()):

    rule:
        name:
            f"batch_{index:04d}"
        input:
            trials=[str(TRIALS[trial].path) for trial in batch],
            schema=ancient(SCHEMAS / "trial.schema.yaml"),
            stats_schema=ancient(SCHEMAS / "stats.schema.yaml"),
            digitized=[path for trial in batch for path in TRIALS[trial].input_files()],
            library=LIBRARY,
            workflow=WORKFLOW_FILES,
        output:
            provenance=batch_outputs(batch, PROVENANCE),
            claims_csv=batch_outputs(batch, CLAIMS_CSV),
            claims_json=batch_outputs(batch, CLAIMS_JSON),
            reports=batch_outputs(batch, REPORT),
        params:
            results_dir=lambda wildcards, output: Path(output.provenance[0]).parent.parent,
            draws=CONFIG.reconstruction_draws,
            snakemake=SNAKEMAKE_VERSION,
            # Hashed into provenance.json but not an input: adding papers to the config must not rebuild the others
            # (the settings a paper's numbers depend on, such as the draws, are params and rerun it when changed).
            config_files=CONFIG_FILES,
        log:
            batch=f"{RESULTS}/logs/batch_{index:04d}.log",
            papers=batch_outputs(batch, "logs/batch.log"),
        benchmark:
            f"{RESULTS}/benchmarks/batch_{index:04d}.tsv"
        threads: 1
        group:
            "corpus"
        resources:
            # Measured: about 250 MB whatever the group's size (one paper at a time); 1 min per paper is 10x
            # what one takes on one core.
            mem_mb=600,
            runtime=5 + len(batch),
        conda:
            CONDA_ENV
        shell:
            "python -m kmrepro.batch --schema {input.schema:q} --stats-schema {input.stats_schema:q}"
            " --results-dir {params.results_dir:q} --draws {params.draws} --snakemake {params.snakemake:q}"
            " --hash {input.library:q} {input.workflow:q} {params.config_files:q} --trials {input.trials:q} > {log.batch:q} 2>&1"
