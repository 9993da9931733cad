rule survival:
    """One endpoint's reconstructed IPD -> stats JSON and the Figure 1 style Kaplan-Meier plot."""
    input:
        notebook=NOTEBOOKS / "survival.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        ipd=f"{RESULTS}/{{trial}}/ipd/{{endpoint}}.csv",
        diagnostics=f"{RESULTS}/{{trial}}/diagnostics/{{endpoint}}.json",
        library=LIBRARY,
    output:
        stats=f"{RESULTS}/{{trial}}/stats/{{endpoint}}.json",
        km=report(
            f"{RESULTS}/{{trial}}/figures/km_{{endpoint}}.png",
            caption="../report/km.rst",
            category="Kaplan-Meier curves",
            subcategory="{trial}",
            labels={"trial": "{trial}", "endpoint": "{endpoint}"},
        ),
        extrapolation=f"{RESULTS}/{{trial}}/figures/extrapolation_{{endpoint}}.png",
        hazard=f"{RESULTS}/{{trial}}/figures/hazard_{{endpoint}}.png",
        logcumhaz=f"{RESULTS}/{{trial}}/figures/logcumhaz_{{endpoint}}.png",
        schoenfeld=f"{RESULTS}/{{trial}}/figures/schoenfeld_{{endpoint}}.png",
        notebook=f"{RESULTS}/{{trial}}/notebooks/survival_{{endpoint}}.ipynb",
    params:
        trial_part=trial_part("id", "arms", "time_unit", "analysis", endpoint=True),
    log:
        f"{RESULTS}/{{trial}}/logs/survival_{{endpoint}}.log",
    benchmark:
        f"{RESULTS}/{{trial}}/benchmarks/survival_{{endpoint}}.tsv"
    conda:
        CONDA_ENV
    shell:
        "papermill -k python3 --log-output --no-progress-bar --no-request-save-on-cell-execute {input.notebook:q} {output.notebook:q}"
        " -r trial_file {input.trial:q} -r schema {input.schema:q} -r endpoint {wildcards.endpoint}"
        " -r ipd_csv {input.ipd:q} -r diagnostics_json {input.diagnostics:q} -r stats_json {output.stats:q} -r km_png {output.km:q}"
        " -r extrapolation_png {output.extrapolation:q} -r hazard_png {output.hazard:q}"
        " -r logcumhaz_png {output.logcumhaz:q} -r schoenfeld_png {output.schoenfeld:q}"
        " > {log:q} 2>&1"
