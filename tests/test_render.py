import tomllib
from pathlib import Path

import pandas as pd

from conftest import REPO
from kmrepro.publish import pages
from kmrepro.publish.tables import scorecard_order


def test_scorecard_puts_problems_first_in_publication_order():
    claims = pd.DataFrame({"id": list("abcdef"), "status": ["input-only", "reproduced", "differs", "reproduced", "inconsistent", "differs"]})
    assert scorecard_order(claims)["id"].tolist() == ["c", "f", "e", "b", "d", "a"]


def test_scorecard_escapes_cells_and_counts_unknown_statuses():
    claims = pd.DataFrame({"id": ["<b>x</b>", "y"], "status": ["reproduced", "odd"], "value": [0.123456, float("nan")]})
    html = pages.scorecard_html(claims)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert '<span class="badge" style="background:#d8f0d8">reproduced: 1</span>' in html
    assert '<span class="badge">odd: 1</span>' in html and "differs: 0" in html and "2 claims." in html
    assert "<td>0.1235</td>" in html and "<td>\u2014</td>" in html  # 4 significant digits; missing as a dash


def test_banner_escapes_trial_text_and_links_the_doi():
    trial = {
        "citation": "A & B <2024>",
        "doi": "10.1/x",
        "provenance": {"kind": "digitized", "description": "<script>", "how_to_replace": "redo"},
    }
    html = pages.render_template("banner.html", trial=trial)
    assert "A &amp; B &lt;2024&gt;" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert '<a href="https://doi.org/10.1/x">doi:10.1/x</a>' in html and "digitized from the published" in html


def test_every_template_ships_with_the_package():
    """pyproject.toml's package data names templates/*.html: a template of another kind would be left out."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["setuptools"]["package-data"]["kmrepro.publish"] == ["templates/*.html"]
    folder = Path(pages.__file__).parent / "templates"
    assert sorted(p.suffix for p in folder.iterdir()) == [".html"] * len(list(folder.iterdir()))
