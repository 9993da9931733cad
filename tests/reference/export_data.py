"""Write the R reference inputs (columns arm,time,event) so R and Python read identical data.

Rerun: python tests/reference/export_data.py   (then Rscript tests/reference/make_reference.R)
"""

from pathlib import Path

import pandas as pd
from lifelines.datasets import load_gbsg2, load_leukemia

DATA = Path(__file__).parent / "data"

# Hand-made: arm A has ties (events and a censoring at t=2) and the KM sits exactly at 0.5
# from t=2 to t=6 (R's median is the plateau midpoint, 4); arm B never reaches 0.5.
PLATEAU = {
    "A": [(1, 1), (1, 1), (2, 1), (2, 1), (2, 1), (2, 1), (2, 0), (3, 0), (4, 0), (6, 1), (8, 1), (9, 0)],
    "B": [(1, 1), (3, 1), (3, 0), (5, 1), (6, 0), (7, 0), (7, 0), (8, 0), (9, 0), (10, 0), (11, 0), (12, 0)],
}


def main() -> None:
    DATA.mkdir(exist_ok=True)
    g = load_gbsg2()
    pd.DataFrame({"arm": g["horTh"], "time": g["time"], "event": g["cens"]}).to_csv(DATA / "gbsg2.csv", index=False)
    lk = load_leukemia()
    arm = lk["Rx"].map({0: "mp6", 1: "placebo"})
    pd.DataFrame({"arm": arm, "time": lk["t"], "event": lk["status"]}).to_csv(DATA / "leukemia.csv", index=False)
    rows = [(a, t, e) for a, obs in PLATEAU.items() for t, e in obs]
    pd.DataFrame(rows, columns=["arm", "time", "event"]).to_csv(DATA / "plateau.csv", index=False)


if __name__ == "__main__":
    main()
