rule response:
    """Published response percentages and arm sizes -> counts, rates with exact CIs, differences."""
    input:
        notebook=NOTEBOOKS / "response.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        library=LIBRARY,
    output:
        response=result(RESPONSE),
        notebook=result("notebooks/response.ipynb"),
    params:
        trial_part=trial_part("arms", "response"),
        notebook=notebook_parameters(trial_file="input.trial", schema="input.schema", response_json="output.response"),
    log:
        result("logs/response.log"),
    benchmark:
        result("benchmarks/response.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
