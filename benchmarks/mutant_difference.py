"""Search small random arms for one where a hand-planted change to a guyot.py function changes the IPD.

Used to judge surviving mutants of `make mutation` (benchmarks/mutation.md): a difference found is a case
to turn into a test; none in many arms supports calling the mutant equivalent in practice.

    python benchmarks/mutant_difference.py FUNCTION OLD_TEXT NEW_TEXT [--arms 4000] [--seed 0]

Arms: 10-60 patients, 2-3 drops (vertical, or sloped with probability 0.3), censorings between them, a
risk-table time with its count (off by one at times) with probability 0.7, and a published event total
(off by one at times) with probability 0.5. Fixed seed: the same arms every run.
"""

from __future__ import annotations

import argparse
import inspect

import numpy as np

import kmrepro.reconstruct.guyot as guyot
from kmrepro.reconstruct.cleaning import CleanCurve


def random_arm(rng: np.random.Generator):
    """reconstruct()'s arguments for one random arm, or None when its patients run out."""
    n = int(rng.integers(10, 61))
    k = int(rng.integers(2, 4))
    times = np.sort(rng.choice(np.arange(1, 20), k, replace=False)).astype(float)
    deaths, censored = rng.integers(1, 5, k), rng.integers(0, 4, k)
    s, at_risk, levels = 1.0, n, []
    for d, c in zip(deaths, censored):
        s *= 1 - d / at_risk
        at_risk -= d + c
        levels.append(s)
        if at_risk <= 0:
            return None
    sloped = rng.random() < 0.3
    t, y, previous = [0.0], [1.0], 1.0
    for ti, si in zip(times, levels):
        t += [ti - 1, ti] if sloped and ti > 1 else [ti, ti]
        y += [previous, si]
        previous = si
    t, y = np.array(t + [20.0]), np.array(y + [previous])
    order = np.argsort(t, kind="stable")
    cut = float(rng.integers(1, 20))
    left = n - deaths[times < cut].sum() - censored[times < cut].sum() + int(rng.integers(-1, 2))
    table = ([0.0, cut], [n, int(left)]) if rng.random() < 0.7 else (None, None)
    total = int(deaths.sum() + rng.integers(-1, 2)) if rng.random() < 0.5 else None
    return CleanCurve(t[order], y[order], ()), n, *table, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--arms", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    source = inspect.getsource(getattr(guyot, args.function))
    if args.old not in source:
        raise SystemExit(f"{args.old!r} is not in guyot.{args.function}")
    namespace = dict(vars(guyot))
    exec(source.replace(args.old, args.new), namespace)
    original, mutant = getattr(guyot, args.function), namespace[args.function]
    rng = np.random.default_rng(args.seed)
    tried = 0
    for _ in range(args.arms):
        arm = random_arm(rng)
        if arm is None:
            continue
        tried += 1
        expected = guyot.reconstruct(*arm).ipd
        setattr(guyot, args.function, mutant)
        try:
            changed = guyot.reconstruct(*arm).ipd
        except Exception as err:  # a mutant that raises differs too
            changed = err
        finally:
            setattr(guyot, args.function, original)
        if not (hasattr(changed, "equals") and expected.equals(changed)):
            print(f"differs on arm {tried}: n={arm[1]}, clicks {arm[0].time.tolist()} / {arm[0].survival.round(6).tolist()}, "
                  f"table {arm[2]} {arm[3]}, total {arm[4]}")
            return
    print(f"no difference in {tried} arms")


if __name__ == "__main__":
    main()
