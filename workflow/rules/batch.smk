rule batch_trial:
    """Every stage of one trial in one process (kmrepro.batch): IPD, diagnostics, stats, figures, claims, report.

    The per-endpoint files are written beside the declared outputs (their names depend on the trial's
    endpoints); report.html, written last, marks the trial complete.
    """
    input:
        trial=trial_file,
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        stats_schema=ancient(SCHEMAS / "stats.schema.yaml"),
        digitized=digitized_files,
        provenance=result(PROVENANCE),
        library=LIBRARY,
    output:
        html=result(REPORT),
        claims_csv=result(CLAIMS_CSV),
        claims_json=result(CLAIMS_JSON),
    params:
        results_dir=lambda wildcards, output: Path(output.html).parent.parent,
        draws=CONFIG.reconstruction_draws,
    log:
        result("logs/batch.log"),
    benchmark:
        result("benchmarks/batch.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m kmrepro.batch --schema {input.schema:q} --stats-schema {input.stats_schema:q}"
        " --results-dir {params.results_dir:q} --draws {params.draws} {input.trial:q} > {log:q} 2>&1"
