rule claims:
    """Every claim of trial.yaml against the results -> claims.csv and claims.json."""
    input:
        notebook=NOTEBOOKS / "claims.ipynb",
        trial=trial_file,
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        stats=endpoint_results("stats", "{endpoint}.json"),
        response=response_results,
        library=LIBRARY,
    output:
        csv=report(
            f"{RESULTS}/{{trial}}/claims.csv",
            caption="../report/claims.rst",
            category="Claims",
            labels={"trial": "{trial}"},
        ),
        json=f"{RESULTS}/{{trial}}/claims.json",
        notebook=f"{RESULTS}/{{trial}}/notebooks/claims.ipynb",
    params:
        results=trial_results,
    log:
        f"{RESULTS}/{{trial}}/logs/claims.log",
    benchmark:
        f"{RESULTS}/{{trial}}/benchmarks/claims.tsv"
    conda:
        CONDA_ENV
    shell:
        "papermill -k python3 --log-output --no-progress-bar --no-request-save-on-cell-execute {input.notebook:q} {output.notebook:q}"
        " -r trial_file {input.trial:q} -r schema {input.schema:q} -r results {params.results:q}"
        " -r claims_csv {output.csv:q} -r claims_json {output.json:q}"
        " > {log:q} 2>&1"
