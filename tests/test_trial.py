"""trial.yaml and config.yaml loading: the real files pass, each kind of mistake fails naming file and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from kmrepro.errors import InputError
from kmrepro.audit.trial import CI, load_config, load_trial
from kmrepro.schemas import read_yaml

ROOT = Path(__file__).resolve().parents[1]
TRIAL_SCHEMA = ROOT / "workflow/schemas/trial.schema.yaml"
CONFIG_SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
KC_WISE = ROOT / "trials/kc-wise/trial.yaml"
ARTICLE = ROOT.parent / "shared/seed/kc-wise-article.zh.txt"


def touch_curve_files(trial_yaml: Path) -> None:
    """Empty placeholders for every curve file the YAML names (loading checks only that they exist)."""
    for endpoint in read_yaml(trial_yaml)["endpoints"]:
        for spec in endpoint["curves"].values():
            for key in ("curve", "at_risk"):
                if key in spec:
                    target = trial_yaml.parent / spec[key]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.touch()


@pytest.fixture
def kc_wise(tmp_path: Path) -> Path:
    """A copy of trials/kc-wise whose curve files exist (as empty placeholders when the real ones are absent)."""
    folder = tmp_path / "kc-wise"
    shutil.copytree(KC_WISE.parent, folder)
    touch_curve_files(folder / "trial.yaml")
    return folder / "trial.yaml"


def rewrite(path: Path, change) -> None:
    data = read_yaml(path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def claim_index(data: dict, claim_id: str) -> int:
    return next(i for i, c in enumerate(data["claims"]) if c["id"] == claim_id)


def test_schemas_are_valid_draft_2020_12():
    for path in (TRIAL_SCHEMA, CONFIG_SCHEMA):
        schema = read_yaml(path)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_kc_wise_trial_loads(kc_wise: Path):
    trial = load_trial(kc_wise, TRIAL_SCHEMA)
    assert [a.id for a in trial.arms] == ["anbenitamab", "placebo"]
    assert trial.reference.id == "placebo"
    assert [(a.n) for a in trial.arms] == [95, 93]
    assert [e.id for e in trial.endpoints] == ["irc_pfs", "inv_pfs", "os"]
    assert [e.figure for e in trial.endpoints] == ["1A", "1B", "1C"]
    assert trial.endpoint("inv_pfs").curves["placebo"].curve == kc_wise.parent / "digitized/inv_pfs_placebo.csv"
    assert trial.endpoint("inv_pfs").image is None
    os = trial.endpoint("os")  # starts from its figure image
    assert os.curves["placebo"].curve is None
    assert os.curves["placebo"].at_risk == kc_wise.parent / "digitized/os_placebo_at_risk.csv"
    assert os.image.path == kc_wise.parent / "figures/figure_1c.png"
    assert os.image.arms == {"anbenitamab": "#E64B35", "placebo": "#4DBBD5"}
    assert [a.name for a in os.image.arm_specs()] == ["anbenitamab", "placebo"]
    assert trial.landmarks == (6, 12, 18, 24) and trial.rmst_tau == 12
    assert trial.response["orr_irc"]["percent"] == {"anbenitamab": 56, "placebo": 11}
    assert trial.response["dcr"]["percent"] == {"anbenitamab": 80, "placebo": 42}
    assert trial.data["provenance"]["kind"] == "synthetic"
    assert len([c for c in trial.claims if c.value is not None]) > 80


def test_kc_wise_claims_cover_the_paper_headlines(kc_wise: Path):
    trial = load_trial(kc_wise, TRIAL_SCHEMA)
    assert trial.claim("irc_pfs_hr").ci == CI(lower=0.17, upper=0.39)
    assert trial.claim("os_median_anbenitamab").ci == CI(lower=15.0, upper=None)
    assert trial.claim("irc_pfs_median_anbenitamab_ci").ci == CI(lower=5.5, upper=10.3)
    assert trial.claim("follow_up_median_placebo").regenerate.paths == ("stats/os.json#arms.placebo.median_follow_up",)
    assert trial.claim("interim_irc_pfs_events").regenerate.paths == (
        "stats/irc_pfs.json#arms.anbenitamab.events",
        "stats/irc_pfs.json#arms.placebo.events",
    )
    kinds = {c.kind for c in trial.claims}
    assert {"design", "context", "efficacy", "safety"} <= kinds


@pytest.fixture(scope="module")
def article() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found at {ARTICLE} (the shared folder sits beside the repository)")
    return ARTICLE.read_text(encoding="utf-8")


def test_every_article_claim_quotes_the_article_verbatim(article: str):
    claims = read_yaml(KC_WISE)["claims"]
    not_found = [c["id"] for c in claims if c["source"] not in article]
    abstract = [c["id"] for c in claims if c.get("source_ref") == "abstract"]
    assert not_found == abstract  # only claims marked as abstract-only may quote elsewhere
    assert "stratification_her2" in abstract and "interim_irc_pfs_events" in abstract


# Numbers in the article that are parts of names, not claims; and the citation and web-page footer after it.
IDENTIFIERS = re.compile(r"HER2|KEYNOTE-811|DESTINY-Gastric04|DS-8201|KN026|NCT05427383|图1")


def test_every_number_of_the_article_is_in_a_claimed_sentence(article: str):
    body = article[: article.index("Liu R, Zhao J")]
    covered = [False] * len(body)
    for claim in read_yaml(KC_WISE)["claims"]:
        for match in re.finditer(re.escape(claim["source"]), body):
            covered[match.start() : match.end()] = [True] * (match.end() - match.start())
    named = {i for m in IDENTIFIERS.finditer(body) for i in range(m.start(), m.end())}
    unclaimed = [m.group() for m in re.finditer(r"\d+(?:\.\d+)?", body) if not covered[m.start()] and m.start() not in named]
    assert unclaimed == []


def expect_error(trial_yaml: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as info:
        load_trial(trial_yaml, TRIAL_SCHEMA)
    text = str(info.value)
    assert text.startswith(f"{trial_yaml}: "), text
    assert "\n" not in text
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_misspelt_key_is_named(kc_wise: Path):
    def change(data):
        spec = data["endpoints"][0]["curves"]["placebo"]
        spec["at_rsk"] = spec.pop("at_risk")

    rewrite(kc_wise, change)
    expect_error(kc_wise, "endpoints[0].curves.placebo: 'at_rsk' is not allowed")


def test_wrong_type_is_named(kc_wise: Path):
    rewrite(kc_wise, lambda d: d["arms"][0].update(n="ninety-five"))
    expect_error(kc_wise, "arms[0].n: 'ninety-five' is not of type 'integer'")


def test_unknown_endpoint_in_a_claim_is_named(kc_wise: Path):
    data = read_yaml(kc_wise)
    i = claim_index(data, "os_median_placebo")
    rewrite(kc_wise, lambda d: d["claims"][i]["regenerate"].update(path="stats/pfs.json#arms.placebo.median"))
    expect_error(kc_wise, f"claims[{i}].regenerate.path: unknown endpoint 'pfs'", "stats/pfs.json")


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("stats/os.json#arms.control.median", "unknown arm 'control'"),
        ("stats/os.json#arms.placebo.medain", "expected arms.placebo.<"),
        ("stats/os.json#arms.placebo.survival.36", "landmark '36' is not in analysis.landmarks"),
        ("stats/os.json#comparison.hr", "expected comparison.<"),
        ("response.json#orr.arms.placebo.rate", "unknown response id 'orr'"),
        ("response.json#orr_irc.arms.control.rate", "unknown arm 'control'"),
    ],
)
def test_unknown_ids_in_results_paths_are_named(kc_wise: Path, path: str, problem: str):
    i = claim_index(read_yaml(kc_wise), "os_median_placebo")
    rewrite(kc_wise, lambda d: d["claims"][i]["regenerate"].update(path=path))
    expect_error(kc_wise, f"claims[{i}].regenerate.path: {problem}")


def test_unknown_endpoint_in_a_summed_path_names_the_item(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "interim_irc_pfs_events")
    rewrite(kc_wise, lambda d: d["claims"][i]["regenerate"]["path"].__setitem__(1, "stats/pfs.json#arms.placebo.events"))
    expect_error(kc_wise, f"claims[{i}].regenerate.path[1]: unknown endpoint 'pfs'")


def test_missing_curve_file_is_named(kc_wise: Path):
    (kc_wise.parent / "digitized/inv_pfs_placebo.csv").unlink()
    expect_error(kc_wise, "endpoints[1].curves.placebo.curve: file not found: digitized/inv_pfs_placebo.csv")


def test_a_curve_is_required_without_an_image(kc_wise: Path):
    rewrite(kc_wise, lambda d: d["endpoints"][1]["curves"]["placebo"].pop("curve"))
    expect_error(kc_wise, "endpoints[1].curves.placebo: 'curve' is required (or give the endpoint an image)")


def image_of(data: dict) -> dict:
    """The image spec of the os endpoint (endpoints[2]), which starts from Figure 1C."""
    return data["endpoints"][2]["image"]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda i: i.update(path="figures/missing.png"), "endpoints[2].image.path: file not found: figures/missing.png"),
        (lambda i: i.update(path="trial.yaml"), "endpoints[2].image.path: cannot read the image"),
        (lambda i: i.update(x_ticks="0:27"), "endpoints[2].image.x_ticks: x_ticks '0:27' must be START:END:STEP"),
        (lambda i: i.update(x_ticks="27:0:3"), "endpoints[2].image.x_ticks: x_ticks '27:0:3' must have END > START"),
        (lambda i: i.update(y_ticks="0:100:30"), "endpoints[2].image.y_ticks: y_ticks '0:100:30': END - START is not a whole"),
        (lambda i: i.update(y_ticks="0:80:20"), "endpoints[2].image.y_ticks: '0:80:20' must end at 1 (proportion) or 100"),
        (lambda i: i["arms"].update(placebo="#12345"), "endpoints[2].image.arms: colour '#12345' is neither"),
        (lambda i: i["arms"].update(placebo="#4DBBD5:dotted"), "endpoints[2].image.arms: arm 'placebo=#4DBBD5:dotted': line style"),
        (lambda i: i["arms"].pop("placebo"), "endpoints[2].image.arms: no colour for arm 'placebo'"),
        (lambda i: i["arms"].update(control="red"), "endpoints[2].image.arms.control: unknown arm 'control'"),
        (lambda i: i.pop("y_ticks"), "endpoints[2].image: 'y_ticks' is a required property"),
    ],
)
def test_bad_image_spec_is_named(kc_wise: Path, change, problem: str):
    rewrite(kc_wise, lambda d: change(image_of(d)))
    expect_error(kc_wise, problem)


def test_a_curve_file_beside_an_image_is_refused(kc_wise: Path):
    rewrite(kc_wise, lambda d: d["endpoints"][2]["curves"]["placebo"].update(curve="digitized/inv_pfs_placebo.csv"))
    expect_error(kc_wise, "endpoints[2].curves.placebo.curve: not allowed with endpoints[2].image")


def test_missing_at_risk_file_is_named(kc_wise: Path):
    (kc_wise.parent / "digitized/inv_pfs_anbenitamab_at_risk.csv").unlink()
    expect_error(kc_wise, "endpoints[1].curves.anbenitamab.at_risk: file not found")


def test_duplicate_claim_id_is_named(kc_wise: Path):
    data = read_yaml(kc_wise)
    i = claim_index(data, "os_hr")
    rewrite(kc_wise, lambda d: d["claims"][i + 1].update(id="os_hr"))
    expect_error(kc_wise, f"claims[{i + 1}].id: duplicate id 'os_hr' (first at claims[{i}])")


def test_exactly_one_reference_arm(kc_wise: Path):
    rewrite(kc_wise, lambda d: d["arms"][0].update(reference=True))
    expect_error(kc_wise, "arms: exactly one arm needs reference: true, found 2")


def test_every_endpoint_needs_a_curve_per_arm(kc_wise: Path):
    rewrite(kc_wise, lambda d: d["endpoints"][1]["curves"].pop("placebo"))
    expect_error(kc_wise, "endpoints[1].curves: no curve for arm 'placebo'")


def test_curve_for_an_unknown_arm_is_named(kc_wise: Path):
    rewrite(kc_wise, lambda d: d["endpoints"][0]["curves"].update(control={"curve": "digitized/os_placebo.csv"}))
    expect_error(kc_wise, "endpoints[0].curves.control: unknown arm 'control'")


def test_unknown_claim_in_a_check_is_named(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "os_hr_conclusion")
    rewrite(kc_wise, lambda d: d["claims"][i]["checks"].update(equals="os_hazard"))
    expect_error(kc_wise, f"claims[{i}].checks.equals: unknown claim 'os_hazard'")


def test_percentage_of_an_approximate_count_is_refused(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "her2_ihc3_share")
    rewrite(kc_wise, lambda d: d["claims"][i]["checks"]["percent_of"].update(claim="interim_irc_pfs_events"))
    expect_error(kc_wise, f"claims[{i}].checks.percent_of: claim 'interim_irc_pfs_events' must be an exact count")


def test_percent_check_on_a_non_percent_claim_is_refused(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "centres")
    rewrite(kc_wise, lambda d: d["claims"][i].update(checks={"percent_of": {"arm": "placebo"}}))
    expect_error(kc_wise, f"claims[{i}].checks.percent_of: needs a claim with unit percent")


def test_tolerance_override_needs_a_reason(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "os_hr")
    rewrite(kc_wise, lambda d: d["claims"][i]["regenerate"].update(tolerance={"value": 0.05}))
    expect_error(kc_wise, f"claims[{i}].regenerate.tolerance: 'reason' is a required property")


def test_a_bare_number_is_no_longer_a_tolerance(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "os_hr")
    rewrite(kc_wise, lambda d: d["claims"][i]["regenerate"].update(tolerance=0.05))
    expect_error(kc_wise, f"claims[{i}].regenerate.tolerance: 0.05 is not of type 'object'")


def test_invalid_date_is_named(kc_wise: Path):
    i = claim_index(read_yaml(kc_wise), "data_cutoff")
    rewrite(kc_wise, lambda d: d["claims"][i].update(value="2025-04-31"))
    expect_error(kc_wise, f"claims[{i}].value:")


def test_unquoted_date_reads_as_text(kc_wise: Path):
    text = kc_wise.read_text(encoding="utf-8").replace('value: "2025-04-03"', "value: 2025-04-03")
    kc_wise.write_text(text, encoding="utf-8")
    assert load_trial(kc_wise, TRIAL_SCHEMA).claim("data_cutoff").value == "2025-04-03"


def test_yaml_syntax_error_names_the_row(tmp_path: Path):
    bad = tmp_path / "trial.yaml"
    bad.write_text("id: x\narms: [\n  {id: a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"trial\.yaml:row \d+: not valid YAML"):
        load_trial(bad, TRIAL_SCHEMA)


def test_missing_trial_file(tmp_path: Path):
    with pytest.raises(InputError, match=r"nope\.yaml: file not found"):
        load_trial(tmp_path / "nope.yaml", TRIAL_SCHEMA)


def test_repository_config_loads():
    config = load_config(ROOT / "config/config.yaml", CONFIG_SCHEMA)
    assert config.trials == ("kc-wise", "gbsg2")
    assert config.trial_file("kc-wise") == Path("trials/kc-wise/trial.yaml")
    assert config.results_dir == Path("results")


def test_config_defaults_fill_left_out_keys(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("trials: [kc-wise]\n", encoding="utf-8")
    config = load_config(path, CONFIG_SCHEMA)
    assert (config.trials_dir, config.results_dir) == (Path("trials"), Path("results"))
    assert config.reconstruction_draws == 200


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("trials: [kc-wise]\nresult_dir: out\n", "(top level): 'result_dir' is not allowed"),
        ("trials: kc-wise\n", "trials: 'kc-wise' is not of type 'array'"),
        ("trials: [kc-wise, kc-wise]\n", "trials: "),
        ("trials: [KC WISE]\n", "trials[0]: "),
        ("trials_dir: trials\n", "'trials' is a required property"),
        ("trials: [kc-wise]\nreconstruction_draws: -1\n", "reconstruction_draws: -1 is less than the minimum of 0"),
    ],
)
def test_bad_config_is_named(tmp_path: Path, text: str, fragment: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path, CONFIG_SCHEMA)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)


def test_public_entry_points_are_exported_from_the_package():
    import kmrepro
    from kmrepro.api import reconstruct_arm
    from kmrepro.audit.claims import evaluate_claims

    assert kmrepro.reconstruct_arm is reconstruct_arm and kmrepro.evaluate_claims is evaluate_claims
    assert kmrepro.load_trial is load_trial and set(kmrepro.__all__) >= {"analyse_endpoint", "load_trial"}
    with pytest.raises(AttributeError, match="no attribute 'reconstruct_curve'"):
        kmrepro.reconstruct_curve  # noqa: B018


def test_unknown_ids_are_key_errors_naming_the_known_ones(kc_wise: Path):
    trial = load_trial(kc_wise, TRIAL_SCHEMA)
    for lookup, what in ((trial.arm, "arm"), (trial.endpoint, "endpoint"), (trial.claim, "claim")):
        with pytest.raises(KeyError, match=f"unknown {what} 'nope'"):
            lookup("nope")
    with pytest.raises(KeyError, match="known: anbenitamab, placebo"):
        trial.arm("nope")
