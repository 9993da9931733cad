rule survival:
    """One endpoint's reconstructed IPD -> stats JSON and the Figure 1 style Kaplan-Meier plot."""
    input:
        notebook=NOTEBOOKS / "survival.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        stats_schema=SCHEMAS / "stats.schema.yaml",
        ipd=result(ipd_file("{endpoint}")),
        diagnostics=result(diagnostics_file("{endpoint}")),
        library=LIBRARY,
    output:
        stats=result(stats_file("{endpoint}")),
        km=report(
            result(km_figure_file("{endpoint}")),
            caption="../report/km.rst",
            category="Kaplan-Meier curves",
            subcategory="{trial}",
            labels={"trial": "{trial}", "endpoint": "{endpoint}"},
        ),
        notebook=result("notebooks/survival_{endpoint}.ipynb"),
    params:
        trial_part=trial_part("id", "arms", "time_unit", "analysis", endpoint=True),
        notebook=notebook_parameters(
            trial_file="input.trial",
            schema="input.schema",
            stats_schema="input.stats_schema",
            endpoint="wildcards.endpoint",
            ipd_csv="input.ipd",
            diagnostics_json="input.diagnostics",
            stats_json="output.stats",
            km_png="output.km",
        ),
    log:
        result("logs/survival_{endpoint}.log"),
    benchmark:
        result("benchmarks/survival_{endpoint}.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
