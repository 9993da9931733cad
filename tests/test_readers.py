import numpy as np
import pytest

from kmrepro.errors import InputError
from kmrepro.ingest.readers import read_curve, read_risk_table


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_plain_csv_in_proportion(tmp_path):
    curve = read_curve(write(tmp_path, "c.csv", "time,survival\n0,1\n2,0.8\n\n5,0.5\n"))
    assert curve.scale == "proportion"
    np.testing.assert_allclose(curve.survival, [1, 0.8, 0.5])


def test_percent_is_detected_and_can_be_overridden(tmp_path):
    path = write(tmp_path, "c.csv", "time,survival\n0,100\n2,80\n5,50\n")
    curve = read_curve(path)
    assert curve.scale == "percent"
    np.testing.assert_allclose(curve.survival, [1, 0.8, 0.5])
    # A curve that never leaves 0-1.5 percent is ambiguous: the user can say so.
    low = write(tmp_path, "low.csv", "time,survival\n0,1\n5,0.4\n")
    assert read_curve(low).scale == "proportion"
    np.testing.assert_allclose(read_curve(low, scale="percent").survival, [0.01, 0.004])


def test_guyot_style_headers_are_accepted(tmp_path):
    curve = read_curve(write(tmp_path, "c.csv", "T,S\n0,1\n1,0.9\n"))
    np.testing.assert_allclose(curve.time, [0, 1])
    table = read_risk_table(write(tmp_path, "r.csv", "interval,trisk,lower,upper,nrisk\n1,0,,,80\n2,3,,,79\n"))
    np.testing.assert_array_equal(table.n_at_risk, [80, 79])


def test_headerless_single_dataset_export(tmp_path):
    curve = read_curve(write(tmp_path, "c.csv", "0.1,99.5\n2,80\n5,50\n"))
    assert curve.scale == "percent"
    np.testing.assert_allclose(curve.time, [0.1, 2, 5])
    with pytest.raises(InputError, match="'x' is not a number") as info:
        read_curve(write(tmp_path, "bad.csv", "0,1\n1,x\n"))
    assert info.value.row == 2


WPD = """Nivolumab,,Ipilimumab,
X,Y,X,Y
3.1,0.9,0.5,0.95
0.2,0.99,2.2,0.7
1.5,0.95,,
"""


def test_webplotdigitizer_export_selects_the_dataset(tmp_path):
    path = write(tmp_path, "wpd.csv", WPD)
    nivo = read_curve(path, dataset="Nivolumab")
    np.testing.assert_allclose(nivo.time, [3.1, 0.2, 1.5])  # click order kept; cleaning sorts
    ipi = read_curve(path, dataset="Ipilimumab")
    np.testing.assert_allclose(ipi.survival, [0.95, 0.7])  # ragged column padding ignored


def test_webplotdigitizer_unknown_dataset_lists_the_names(tmp_path):
    path = write(tmp_path, "wpd.csv", WPD)
    with pytest.raises(InputError, match=r"'Placebo' not found; the file has: 'Nivolumab', 'Ipilimumab'"):
        read_curve(path, dataset="Placebo")
    with pytest.raises(InputError, match="choose one with --dataset"):
        read_curve(path)


@pytest.mark.parametrize(
    "text, message, row",
    [
        ("", "file is empty", None),
        ("time,surv\n0,1\n", "missing columns", 1),
        ("time,survival\n0,1\n1,abc\n", "'abc' is not a number", 3),
        ("time,survival\n0,1\n-3,0.9\n10,0.5\n", "negative time -3", 3),
        ("time,survival\n0,1\n1,1.3\n", "survival 1.3 outside", 3),
        ("time,survival\n0,100\n1,130\n", r"survival 130 outside \[0, 100\] \(percent\)", 3),
        ("time,survival\n0,1\n1,\n", "column 'survival' is empty", 3),
    ],
)
def test_bad_curves_name_file_row_and_problem(tmp_path, text, message, row):
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError, match=message) as info:
        read_curve(path)
    assert info.value.row == row
    assert str(info.value).startswith(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_curve(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "text, message, row",
    [
        ("time,n_at_risk\n0,80\n3,81\n", "rises over time", 3),
        ("time,n_at_risk\n0,80\n3,7.5\n", "not a non-negative whole number", 3),
        ("time,n_at_risk\n0,80\n0,70\n", "times must increase", 3),
        ("t,n\n0,80\n", "missing columns", 1),
    ],
)
def test_bad_risk_tables(tmp_path, text, message, row):
    with pytest.raises(InputError, match=message) as info:
        read_risk_table(write(tmp_path, "risk.csv", text))
    assert info.value.row == row
