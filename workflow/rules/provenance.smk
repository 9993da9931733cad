rule provenance:
    """What a trial's results were built from and with -> provenance.json (the report's footer shows it).

    Input files are what it hashes, so it reruns when the content of one of them changes (or Snakemake's
    version), never on a new commit or a package upgrade alone: see kmrepro/provenance.py for why, and
    ``snakemake --forcerun provenance`` to restamp (reruns the provenance files and the reports only).
    """
    input:
        trial=trial_file,
        digitized=digitized_files,
        notebooks=sorted(NOTEBOOKS.glob("*.ipynb")),
        library=LIBRARY,
        workflow=WORKFLOW_FILES,
        config=CONFIG_FILES,
    output:
        provenance=report(
            result(PROVENANCE),
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"trial": "{trial}"},
        ),
    params:
        snakemake=SNAKEMAKE_VERSION,
    log:
        result("logs/provenance.log"),
    benchmark:
        result("benchmarks/provenance.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m kmrepro.publish.provenance --trial {wildcards.trial:q} --snakemake {params.snakemake:q}"
        " --out {output.provenance:q} {input:q} > {log:q} 2>&1"
