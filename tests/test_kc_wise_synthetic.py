"""The KC-WISE generator's calibration: the true data it makes print the published numbers they are aimed at."""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest

from conftest import REPO

TRIAL_DIR = REPO / "trials" / "kc-wise"


@pytest.fixture(scope="module")
def synthetic():
    spec = importlib.util.spec_from_file_location("kc_wise_make_synthetic", TRIAL_DIR / "make_synthetic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def wald_ci(hr: float, se: float) -> tuple[float, float]:
    z = 1.959963984540054
    return round(hr * math.exp(-z * se), 2), round(hr * math.exp(z * se), 2)


def test_se_target_prints_the_published_ci(synthetic):
    """OS: HR 0.29 (0.17-0.50) prints for SEs in [0.2728, 0.2830); the target is their middle."""
    se = synthetic.se_target(0.29, 0.17, 0.50)
    assert se == pytest.approx((0.27281 + 0.28301) / 2, abs=1e-4)  # not the published width's 0.2752
    assert wald_ci(0.29, se) == (0.17, 0.50)
    assert wald_ci(0.23, synthetic.se_target(0.23, 0.15, 0.35)) == (0.15, 0.35)


def test_se_target_falls_back_to_the_published_width(synthetic):
    """IRC PFS: no SE prints 0.17-0.39 about an HR of exactly 0.25, so the published CI's own SE is used."""
    se = synthetic.se_target(0.25, 0.17, 0.39)
    assert se == pytest.approx(math.log(0.39 / 0.17) / (2 * synthetic.Z))
    assert wald_ci(0.25, se) != (0.17, 0.39)


def test_calibrate_endpoint_hits_medians_and_hr(synthetic):
    """From Weibull draws far from the targets (HR about 0.5), both medians and the HR come out as published."""
    rng = np.random.default_rng(7)
    event = {synthetic.TREATED: 5.0 * rng.weibull(1.2, 95), synthetic.REFERENCE: 3.0 * rng.weibull(1.2, 93)}
    censor = {arm: rng.uniform(2, 26, t.size) for arm, t in event.items()}
    medians = {synthetic.TREATED: 7.1, synthetic.REFERENCE: 2.7}
    times = synthetic.calibrate_endpoint(event, censor, medians, 0.25)
    for arm, t in times.items():
        assert abs(synthetic.median_gap(t, censor[arm], medians[arm])) < synthetic.MEDIAN_SLACK
    assert math.exp(synthetic.log_hr(times, censor)[0]) == pytest.approx(0.25, abs=0.0025)  # prints 0.25, mid-half


def test_bend_keeps_each_median(synthetic):
    times = {"a": np.array([1.0, 7.1, 20.0]), "b": np.array([0.5, 2.7, 9.0])}
    bent = synthetic.bend(times, {"a": 7.1, "b": 2.7}, math.log(0.5))
    assert bent["a"][1] == pytest.approx(7.1) and bent["b"][1] == pytest.approx(2.7)
    assert bent["a"][0] > 1.0 and bent["a"][2] < 20.0  # a < 1 pulls times towards the median
