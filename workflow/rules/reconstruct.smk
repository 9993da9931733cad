rule reconstruct:
    """Both arms of one endpoint: digitized curve + risk table -> IPD, diagnostics, QA figure."""
    input:
        notebook=NOTEBOOKS / "reconstruct.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        digitized=curve_files,
        library=LIBRARY,
    output:
        ipd=result(ipd_file("{endpoint}")),
        diagnostics=result(diagnostics_file("{endpoint}")),
        qa=report(
            result(qa_figure_file("{endpoint}")),
            caption="../report/qa.rst",
            category="Reconstruction QA",
            subcategory="{trial}",
            labels={"trial": "{trial}", "endpoint": "{endpoint}"},
        ),
        notebook=result("notebooks/reconstruct_{endpoint}.ipynb"),
    params:
        trial_part=trial_part("arms", "time_unit", endpoint=True),
        notebook=notebook_parameters(
            trial_file="input.trial",
            schema="input.schema",
            endpoint="wildcards.endpoint",
            digitized=digitized_curves,
            ipd_csv="output.ipd",
            diagnostics_json="output.diagnostics",
            qa_png="output.qa",
        ),
    log:
        result("logs/reconstruct_{endpoint}.log"),
    benchmark:
        result("benchmarks/reconstruct_{endpoint}.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
