rule response:
    """Published response percentages and arm sizes -> counts, rates with exact CIs, differences."""
    input:
        notebook=NOTEBOOKS / "response.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        library=LIBRARY,
    output:
        response=f"{RESULTS}/{{trial}}/response.json",
        notebook=f"{RESULTS}/{{trial}}/notebooks/response.ipynb",
    params:
        trial_part=trial_part("arms", "response"),
    log:
        f"{RESULTS}/{{trial}}/logs/response.log",
    benchmark:
        f"{RESULTS}/{{trial}}/benchmarks/response.tsv"
    conda:
        CONDA_ENV
    shell:
        "papermill -k python3 --log-output --no-progress-bar --no-request-save-on-cell-execute {input.notebook:q} {output.notebook:q}"
        " -r trial_file {input.trial:q} -r schema {input.schema:q} -r response_json {output.response:q}"
        " > {log:q} 2>&1"
