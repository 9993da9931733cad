rule survival:
    """One endpoint's reconstructed IPD -> stats JSON and the Figure 1 style Kaplan-Meier plot."""
    input:
        notebook=NOTEBOOKS / "survival.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        stats_schema=SCHEMAS / "stats.schema.yaml",
        ipd=result(ipd_file("{endpoint}")),
        diagnostics=result(diagnostics_file("{endpoint}")),
        digitized=curve_files,  # the reconstruction intervals redraw from the clicks
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
        extrapolation=result(model_figure_file("extrapolation", "{endpoint}")),
        hazard=result(model_figure_file("hazard", "{endpoint}")),
        logcumhaz=result(model_figure_file("logcumhaz", "{endpoint}")),
        schoenfeld=result(model_figure_file("schoenfeld", "{endpoint}")),
        notebook=result("notebooks/survival_{endpoint}.ipynb"),
    params:
        trial_part=trial_part("id", "arms", "time_unit", "analysis", endpoint=True),
        notebook=notebook_parameters(
            trial_file="input.trial",
            schema="input.schema",
            stats_schema="input.stats_schema",
            endpoint="wildcards.endpoint",
            digitized=digitized_curves,
            digitization_json=digitization_report,
            ipd_csv="input.ipd",
            diagnostics_json="input.diagnostics",
            stats_json="output.stats",
            km_png="output.km",
            extrapolation_png="output.extrapolation",
            hazard_png="output.hazard",
            logcumhaz_png="output.logcumhaz",
            schoenfeld_png="output.schoenfeld",
            draws="config.reconstruction_draws",
        ),
    log:
        result("logs/survival_{endpoint}.log"),
    benchmark:
        result("benchmarks/survival_{endpoint}.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
