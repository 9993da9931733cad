rule report:
    """All results of a trial -> executed report notebook -> self-contained report.html (no code shown)."""
    input:
        notebook=NOTEBOOKS / "report.ipynb",
        trial=trial_file,
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        claims=f"{RESULTS}/{{trial}}/claims.json",
        provenance=f"{RESULTS}/{{trial}}/provenance.json",
        stats=endpoint_results("stats", "{endpoint}.json"),
        diagnostics=endpoint_results("diagnostics", "{endpoint}.json"),
        km=endpoint_results("figures", "km_{endpoint}.png"),
        qa=endpoint_results("figures", "qa_{endpoint}.png"),
        response=response_results,
        library=LIBRARY,
    output:
        html=report(
            f"{RESULTS}/{{trial}}/report.html",
            caption="../report/audit.rst",
            category="Audit report",
            labels={"trial": "{trial}"},
        ),
        notebook=f"{RESULTS}/{{trial}}/notebooks/report.ipynb",
    params:
        results=trial_results,
    log:
        f"{RESULTS}/{{trial}}/logs/report.log",
    benchmark:
        f"{RESULTS}/{{trial}}/benchmarks/report.tsv"
    conda:
        CONDA_ENV
    shell:
        "(papermill -k python3 --log-output --no-progress-bar --no-request-save-on-cell-execute {input.notebook:q} {output.notebook:q}"
        " -r trial_file {input.trial:q} -r schema {input.schema:q} -r results {params.results:q}"
        " && python -m kmrepro.publish.render {output.notebook:q} {output.html:q}) > {log:q} 2>&1"
