"""kmrepro: digitized Kaplan-Meier curves to reconstructed IPD, re-analysis and claim audits.

The package's folders follow the workflow's stages: ``ingest`` (reading inputs), ``reconstruct`` (cleaning and
the Guyot algorithm), ``analysis`` (survival and response statistics), ``audit`` (trial.yaml and the claim
check) and ``publish`` (figures, report, site, provenance). The public entry points are re-exported here and
imported on first use, so ``import kmrepro`` (which every Snakemake run does) stays cheap.
"""

from importlib import import_module

from kmrepro.errors import InputError

__all__ = ["InputError", "analyse_endpoint", "evaluate_claims", "load_trial", "reconstruct_arm"]
__version__ = "0.1.0"

_LAZY = {
    "reconstruct_arm": "kmrepro.api",
    "analyse_endpoint": "kmrepro.analysis.survival",
    "evaluate_claims": "kmrepro.audit.claims",
    "load_trial": "kmrepro.audit.trial",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kmrepro' has no attribute {name!r}")
