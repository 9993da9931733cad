"""The kmdata corpus: reading kmdata, telling the reference arm, generating trials, and the registry."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest

from conftest import REPO
from kmrepro.audit.trial import load_trial
from kmrepro.corpus import kmdata
from kmrepro.corpus.generate import papers, write_trial
from kmrepro.corpus.registry import build_registry, likely_reason, rows
from kmrepro.errors import InputError

SCHEMA = REPO / "workflow" / "schemas" / "trial.schema.yaml"


@pytest.fixture(scope="module")
def corpus():
    key, ipd = kmdata.load()
    problems: list[InputError] = []
    return {p.id: p for p in papers(key, ipd, kmdata.KMDATA, problems)}, problems


def test_every_key_row_finds_its_ipd_and_the_seven_without_hr_are_reported(corpus):
    found, problems = corpus
    assert sum(len(p.datasets) for p in found.values()) == 297
    assert len(problems) == 7 and all("states no hazard ratio" in str(p) for p in problems)
    assert "20050181" in found  # kmdata's IPD calls it X20050181 (R's make.names)
    assert "trapeze" not in found  # both of its figures lack a published HR: the paper is skipped


def test_a_one_arm_data_set_is_reported_with_its_row(tmp_path):
    shutil.copy(kmdata.KMDATA / "key.csv", tmp_path / "key.csv")
    ipd = pd.read_csv(kmdata.KMDATA / "ipd.csv.gz")
    ipd = ipd[~((ipd["dataset"] == "ACT1_2A") & (ipd["arm"] == "topotecan"))]
    ipd.to_csv(tmp_path / "ipd.csv.gz", index=False)
    key, frames = kmdata.load(tmp_path)
    (problem,) = [p for p in kmdata.datasets(key, frames, tmp_path) if isinstance(p, InputError) and "ACT1" in str(p)]
    assert str(problem) == f"{tmp_path / 'key.csv'}:row 8: data set 'ACT1_2A' has 1 arm(s), need 2"


def test_a_multi_arm_panel_becomes_one_figure_against_its_shared_comparator(corpus):
    found, _ = corpus
    (figure_2a, *_) = kmdata.figures(found["e1199"].datasets)
    assert figure_2a.panel == "2A" and sorted(figure_2a.arms) == ["d1", "d3", "p1", "p3"]
    assert (figure_2a.reference, figure_2a.reference_rule) == ("p3", "shared comparator")


def test_reference_told_by_hr_direction_by_name_or_not_at_all(corpus):
    found, _ = corpus
    by_rule = {}
    for paper in list(found.values())[:40]:
        for figure in kmdata.figures(paper.datasets):
            by_rule.setdefault(figure.reference_rule, figure)
    direction = by_rule["hr direction"]
    (ds,) = direction.datasets
    # the chosen orientation puts kmdata's own HR on the published side of 1
    assert (math.log(direction.ipd_hr[ds.name]) > 0) == (ds.published_hr > 1)
    assert by_rule["undetermined"].reference in by_rule["undetermined"].arms
    assert kmdata._named_reference(("folfiri", "panitumumab_folfiri")) == "folfiri"
    assert kmdata._named_reference(("control", "pci")) == "control"
    assert kmdata._named_reference(("s_1", "uft_lv")) is None


def test_generated_multi_arm_trial_is_valid_and_claims_each_arm_against_the_reference(corpus, tmp_path):
    found, _ = corpus
    write_trial(found["altto"], tmp_path)
    trial = load_trial(tmp_path / "altto" / "trial.yaml", SCHEMA)
    endpoint = trial.endpoint("2a")
    assert len(endpoint.arms) == 4 and endpoint.reference == "t"
    paths = [c.regenerate.paths[0] for c in trial.claims if c.unit == "hazard_ratio"]
    assert "stats/2a.json#comparisons.l_t.hazard_ratio" in paths
    assert all(c.unit != "months" for c in trial.claims)  # key.csv gives no medians, so none is claimed
    written = {p: p.read_bytes() for p in (tmp_path / "altto").rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in written}
    write_trial(found["altto"], tmp_path)  # deterministic, and leaves unchanged files untouched
    assert {p: p.read_bytes() for p in written} == written
    assert {p: p.stat().st_mtime_ns for p in written} == mtimes


def test_undetermined_reference_is_said_in_the_claim(corpus, tmp_path):
    found, _ = corpus
    write_trial(found["aspecct"], tmp_path)  # cetuximab vs panitumumab, published HR 0.97
    trial = load_trial(tmp_path / "aspecct" / "trial.yaml", SCHEMA)
    reference = trial.endpoint("2a").reference
    (hr,) = [c for c in trial.claims if c.id.startswith("hr-2a-")]
    assert f"assumed reference {reference}" in hr.description and "cannot be told" in hr.description


def _row(**values):
    base = {"published_hr": 0.7, "regenerated_hr": 0.7, "kmdata_ipd_hr": 0.7, "subgroups": "", "arms_in_figure": 2}
    return {**base, **values}


@pytest.mark.parametrize(
    "row, reason",
    [
        (_row(regenerated_hr=1 / 0.7), "reversed reference"),
        (_row(regenerated_hr=0.9, kmdata_ipd_hr=0.9), "figure is not the HR's population"),
        (_row(regenerated_hr=0.8, subgroups="stratified by KRAS"), "stratified analysis"),
        (_row(regenerated_hr=0.8, arms_in_figure=4), "subgroup figure"),
        (_row(regenerated_hr=0.8), "reconstruction error"),
    ],
)
def test_likely_reason(row, reason):
    assert likely_reason(row).startswith(reason)


def test_registry_lists_a_failed_paper_with_its_logs(corpus, tmp_path):
    found, _ = corpus
    for trial in ("actscc", "2005b3030"):
        write_trial(found[trial], tmp_path / "trials")
    config = tmp_path / "config.yaml"
    config.write_text(f"trials: [actscc, 2005b3030]\ntrials_dir: {tmp_path / 'trials'}\nresults_dir: {tmp_path / 'r'}\n")
    stats = {"comparison": {"hazard_ratio": {"estimate": 0.5, "lower": 0.4, "upper": 0.6}}}
    (tmp_path / "r" / "actscc" / "stats").mkdir(parents=True)
    (tmp_path / "r" / "actscc" / "stats" / "2a.json").write_text(json.dumps(stats))
    (tmp_path / "r" / "actscc" / "report.html").write_text("<html></html>")
    (tmp_path / "r" / "2005b3030" / "stats").mkdir(parents=True)  # from an earlier build, whose report is gone
    (tmp_path / "r" / "2005b3030" / "stats" / "2a.json").write_text(json.dumps(stats))
    (tmp_path / "r" / "2005b3030" / "logs").mkdir()
    (tmp_path / "r" / "2005b3030" / "logs" / "reconstruct_2a.log").write_text("boom")
    table = build_registry(config, tmp_path / "registry", limit=2)
    csv = pd.read_csv(tmp_path / "registry" / "registry.csv")
    assert list(csv.columns) == [
        "trial", "endpoint", "title", "journal", "year", "outcome", "published_hr", "regenerated_hr",
        "lower", "upper", "abs_dlog_hr", "status", "ipd", "report",
    ]  # fmt: skip
    assert csv.loc[csv.trial == "actscc", "status"].tolist() == ["differs"]
    failed = table[table.trial == "2005b3030"]
    assert set(failed.status) == {"failed"} and all("reconstruct_2a.log" in logs for logs in failed.logs)
    page = (tmp_path / "registry" / "index.html").read_text()
    assert "two reconstructions" in page and "reconstruct_2a.log" in page and 'id="registry"' in page
    (actscc,) = rows(config, limit=1)
    assert actscc["abs_dlog_hr"] == pytest.approx(abs(math.log(0.5) - math.log(actscc["published_hr"])))


def test_registry_page_lists_as_worst_only_figures_neither_exact_nor_reproduced():
    from kmrepro.corpus.page import registry_page

    statuses = ["exact", "reproduced", "differs", "reference-unknown", "failed"]
    table = pd.DataFrame({
        "trial": [f"t{i}" for i in range(5)], "endpoint": "1a", "dataset": [f"d{i}" for i in range(5)], "title": "",
        "journal": "", "year": 2010, "outcome": "OS", "published_hr": 0.7, "status": statuses,
        "regenerated_hr": [0.7, 0.72, 0.9, 1.3, None], "lower": None, "upper": None, "kmdata_ipd_hr": 0.7,
        "abs_dlog_hr": [0.0, 0.028, 0.25, 0.62, None], "arm": "a", "reference": "b", "reference_rule": "hr-direction",
        "reason": "", "logs": "", "report": None, "ipd": None,
    })  # fmt: skip
    page = registry_page(table, {})
    assert "Worst agreements first (3 of 3 neither exact nor reproduced)" in page
    worst = page.split("Worst agreements first")[1].split("</table>")[0]
    assert [s for s in statuses if f"<td>{s}</td>" in worst] == ["differs", "reference-unknown", "failed"]
