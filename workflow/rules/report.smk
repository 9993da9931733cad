rule report:
    """All results of a trial -> report notebook, which writes the self-contained report.html from the templates."""
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
        overlays=image_endpoint_results(overlay_figure_file),
        extrapolation=endpoint_results(lambda e: model_figure_file("extrapolation", e)),
        hazard=endpoint_results(lambda e: model_figure_file("hazard", e)),
        logcumhaz=endpoint_results(lambda e: model_figure_file("logcumhaz", e)),
        schoenfeld=endpoint_results(lambda e: model_figure_file("schoenfeld", e)),
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
        notebook=notebook_parameters(
            trial_file="input.trial", schema="input.schema", results=RESULT_INPUTS, report_html="output.html"
        ),
    log:
        result("logs/report.log"),
    benchmark:
        result("benchmarks/report.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
