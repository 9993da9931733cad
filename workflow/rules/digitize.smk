rule digitize:
    """One image endpoint's figure -> each arm's curve and censor marks, the QA overlay and the digitization report."""
    input:
        notebook=NOTEBOOKS / "digitize.ipynb",
        trial=ancient(trial_file),
        schema=ancient(SCHEMAS / "trial.schema.yaml"),
        image=figure_image,
        library=LIBRARY,
    output:
        curves=directory(result(digitized_folder("{endpoint}"))),
        report=result(digitization_file("{endpoint}")),
        overlay=report(
            result(overlay_figure_file("{endpoint}")),
            caption="../report/overlay.rst",
            category="Digitization QA",
            subcategory="{trial}",
            labels={"trial": "{trial}", "endpoint": "{endpoint}"},
        ),
        notebook=result("notebooks/digitize_{endpoint}.ipynb"),
    params:
        trial_part=trial_part(endpoint=True),
        notebook=notebook_parameters(
            trial_file="input.trial",
            schema="input.schema",
            endpoint="wildcards.endpoint",
            curves_dir="output.curves",
            report_json="output.report",
            overlay_png="output.overlay",
        ),
    log:
        result("logs/digitize_{endpoint}.log"),
    benchmark:
        result("benchmarks/digitize_{endpoint}.tsv")
    conda:
        CONDA_ENV
    shell:
        PAPERMILL
