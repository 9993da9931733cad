"""The Gompertz model, which lifelines lacks, as a lifelines fitter with flexsurv's parameterisation.

h(t) = rate * exp(shape * t), H(t) = rate / shape * (exp(shape * t) - 1): shape < 0 gives a curve that
levels off above zero (a cured fraction), shape = 0 the exponential.
"""

from __future__ import annotations

import numpy as np
from autograd import numpy as anp
from lifelines.fitters import ParametricUnivariateFitter


def gompertz_cumulative_hazard(shape, rate, t, xp=np):
    """H(t), written with expm1 and continuous through shape = 0; ``xp`` is numpy or autograd.numpy."""
    small = xp.abs(shape) < 1e-12
    safe_shape = xp.where(small, 1.0, shape)
    return xp.where(small, rate * t, rate * xp.expm1(safe_shape * t) / safe_shape)


class GompertzFitter(ParametricUnivariateFitter):
    """lifelines-style Gompertz fitter: ``GompertzFitter().fit(durations, event_observed)``."""

    _fitted_parameter_names = ["shape_", "rate_"]
    _bounds = [(None, None), (0, None)]

    def _create_initial_point(self, Ts, E, *args):
        return np.array([0.001, 1 / np.mean(Ts[0] if isinstance(Ts, tuple) else Ts)])

    def _cumulative_hazard(self, params, times):
        shape, rate = params
        return gompertz_cumulative_hazard(shape, rate, times, xp=anp)
