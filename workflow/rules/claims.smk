rule claims:
    """Every claim of trial.yaml against the results -> claims.csv and claims.json."""
    input:
        notebook=NOTEBOOKS / "claims.ipynb",
        trial=trial_file,
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        stats=endpoint_results(stats_file),
        response=response_results,
        library=LIBRARY,
    output:
        csv=report(
            result(CLAIMS_CSV),
            caption="../report/claims.rst",
            category="Claims",
            labels={"trial": "{trial}"},
        ),
        json=result(CLAIMS_JSON),
        notebook=result("notebooks/claims.ipynb"),
    params:
        notebook=notebook_parameters(
            trial_file="input.trial",
            schema="input.schema",
            results=RESULT_INPUTS,
            claims_csv="output.csv",
            claims_json="output.json",
        ),
    log:
        result("logs/claims.log"),
    benchmark:
        result("benchmarks/claims.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
