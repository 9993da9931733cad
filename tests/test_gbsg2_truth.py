"""The validation trial's claims are R's numbers for the real GBSG2 data, not the audited code's own."""

from __future__ import annotations

import importlib.util

import yaml

from conftest import REPO
from test_survival import REFERENCE

TRIAL_DIR = REPO / "trials" / "gbsg2"


def make_inputs():
    spec = importlib.util.spec_from_file_location("gbsg2_make_inputs", TRIAL_DIR / "make_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_trial_yaml_states_r_values():
    """trial.yaml is what make_inputs.py writes from tests/reference/r_survival.json (rerun it if not)."""
    claims = yaml.safe_load((TRIAL_DIR / "trial.yaml").read_text(encoding="utf-8"))["claims"]
    module = make_inputs()
    assert claims == module.claims_from_truth(module.r_truth())


def test_claims_are_r_numbers_rounded():
    claims = {c["id"]: c for c in yaml.safe_load((TRIAL_DIR / "trial.yaml").read_text(encoding="utf-8"))["claims"]}
    ref = REFERENCE["datasets"]["gbsg2_months"]
    assert claims["rfs_hr"]["value"] == round(ref["cox"]["hr"], 4) == 0.6949
    assert claims["rfs_hr"]["ci"] == {"lower": round(ref["cox"]["lower"], 4), "upper": round(ref["cox"]["upper"], 4)}
    for arm, code in (("hormone", "yes"), ("none", "no")):
        r = ref["arms"][code]
        assert claims[f"rfs_median_{arm}"]["value"] == round(r["median"]["estimate"], 4)
        assert claims[f"rfs_5y_{arm}"]["value"] == round(100 * r["survival"]["60"]["estimate"], 4)
        assert claims[f"rfs_events_{arm}"]["value"] == r["events"]
        assert claims[f"follow_up_median_{arm}"]["value"] == round(r["median_follow_up"]["estimate"], 4)
