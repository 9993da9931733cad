rule reconstruct:
    """Both arms of one endpoint: digitized curve + risk table -> IPD, diagnostics, QA figure."""
    input:
        notebook=NOTEBOOKS / "reconstruct.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        digitized=curve_files,
        library=LIBRARY,
    output:
        ipd=f"{RESULTS}/{{trial}}/ipd/{{endpoint}}.csv",
        diagnostics=f"{RESULTS}/{{trial}}/diagnostics/{{endpoint}}.json",
        qa=report(
            f"{RESULTS}/{{trial}}/figures/qa_{{endpoint}}.png",
            caption="../report/qa.rst",
            category="Reconstruction QA",
            subcategory="{trial}",
            labels={"trial": "{trial}", "endpoint": "{endpoint}"},
        ),
        notebook=f"{RESULTS}/{{trial}}/notebooks/reconstruct_{{endpoint}}.ipynb",
    params:
        trial_part=trial_part("arms", "time_unit", endpoint=True),
    log:
        f"{RESULTS}/{{trial}}/logs/reconstruct_{{endpoint}}.log",
    benchmark:
        f"{RESULTS}/{{trial}}/benchmarks/reconstruct_{{endpoint}}.tsv"
    conda:
        CONDA_ENV
    shell:
        "papermill -k python3 --log-output --no-progress-bar --no-request-save-on-cell-execute {input.notebook:q} {output.notebook:q}"
        " -r trial_file {input.trial:q} -r schema {input.schema:q} -r endpoint {wildcards.endpoint}"
        " -r ipd_csv {output.ipd:q} -r diagnostics_json {output.diagnostics:q} -r qa_png {output.qa:q}"
        " > {log:q} 2>&1"
