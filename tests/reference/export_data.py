"""Write the R reference inputs (columns arm,time,event) so R and Python read identical data.

Rerun: python tests/reference/export_data.py   (then Rscript tests/reference/make_reference.R)
"""

from pathlib import Path

import pandas as pd
from lifelines.datasets import load_gbsg2, load_leukemia

DATA = Path(__file__).parent / "data"
DAYS_PER_MONTH = 365.25 / 12

# Hand-made: arm A has ties (events and a censoring at t=2) and the KM sits exactly at 0.5
# from t=2 to t=6 (R's median is the plateau midpoint, 4); arm B never reaches 0.5.
PLATEAU = {
    "A": [(1, 1), (1, 1), (2, 1), (2, 1), (2, 1), (2, 1), (2, 0), (3, 0), (4, 0), (6, 1), (8, 1), (9, 0)],
    "B": [(1, 1), (3, 1), (3, 0), (5, 1), (6, 0), (7, 0), (7, 0), (8, 0), (9, 0), (10, 0), (11, 0), (12, 0)],
}

# Hand-made: the KM is one half only up to rounding from t=3 on. Arm A: 1, 1 and 3 events among 10, 9 and 8
# at risk give 0.49999999999999994; arm B: 1, 2 and 2 among 10, 9 and 7 give 0.5000000000000001. R's
# sqrt(machine epsilon) tolerance reads both as "at 0.5": the median is the midpoint to the next event.
HALF_ULP = {
    "A": [(1, 1), (2, 1), (3, 1), (3, 1), (3, 1), (5, 1), (6, 0), (7, 1), (8, 0), (9, 0)],
    "B": [(1, 1), (2, 1), (2, 1), (3, 1), (3, 1), (4, 0), (6, 1), (7, 0), (8, 1), (9, 0)],
}


def main() -> None:
    DATA.mkdir(exist_ok=True)
    g = load_gbsg2()
    pd.DataFrame({"arm": g["horTh"], "time": g["time"], "event": g["cens"]}).to_csv(DATA / "gbsg2.csv", index=False)
    # In months, as trials/gbsg2 and the workflow test state their truth (R's values for those).
    months = pd.DataFrame({"arm": g["horTh"], "time": g["time"] / DAYS_PER_MONTH, "event": g["cens"]})
    months.to_csv(DATA / "gbsg2_months.csv", index=False)
    lk = load_leukemia()
    arm = lk["Rx"].map({0: "mp6", 1: "placebo"})
    pd.DataFrame({"arm": arm, "time": lk["t"], "event": lk["status"]}).to_csv(DATA / "leukemia.csv", index=False)
    for name, arms in {"plateau": PLATEAU, "half_ulp": HALF_ULP}.items():
        rows = [(a, t, e) for a, obs in arms.items() for t, e in obs]
        pd.DataFrame(rows, columns=["arm", "time", "event"]).to_csv(DATA / f"{name}.csv", index=False)


if __name__ == "__main__":
    main()
