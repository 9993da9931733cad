rule report:
    """All results of a trial -> executed report notebook -> self-contained report.html (no code shown)."""
    input:
        notebook=NOTEBOOKS / "report.ipynb",
        trial=trial_file,
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        claims=result(CLAIMS_JSON),
        provenance=result(PROVENANCE),
        stats=endpoint_results(stats_file),
        diagnostics=endpoint_results(diagnostics_file),
        km=endpoint_results(km_figure_file),
        qa=endpoint_results(qa_figure_file),
        response=response_results,
        library=LIBRARY,
    output:
        html=report(
            result(REPORT),
            caption="../report/audit.rst",
            category="Audit report",
            labels={"trial": "{trial}"},
        ),
        notebook=result("notebooks/report.ipynb"),
    params:
        notebook=notebook_parameters(trial_file="input.trial", schema="input.schema", results=RESULT_INPUTS),
    log:
        result("logs/report.log"),
    benchmark:
        result("benchmarks/report.tsv")
    conda:
        CONDA_ENV
    shell:
        "(" + PAPERMILL.removesuffix(" > {log:q} 2>&1")
        + " && python -m kmrepro.publish.render {output.notebook:q} {output.html:q}) > {log:q} 2>&1"
