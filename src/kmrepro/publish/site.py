"""The published site of the audit reports, the claim-drift check of the scheduled CI job, and baselines.

``python -m kmrepro.publish.site publish`` (run by ``make ci-report``, which the scheduled GitHub workflow runs)
assembles ``results/site/``: ``index.html`` linking every configured trial's report, and per trial its
``report.html``, ``claims.csv``, ``claims.json``, ``provenance.json`` and ``drift.txt``, plus the Snakemake
report ``report.zip``. It then compares each trial's claims with the last published copy
(``--published-url``, the GitHub Pages site, when reachable) or else the committed baseline
``baselines/<trial>/claims.csv`` (kmrepro.audit.drift), prints each listing, and exits 1 when a claim that was
reproduced no longer is. The site is complete either way, so a regression is published (the reports say
what is true now) and fails the job once; the next run compares with what was published.

``python -m kmrepro.publish.site refresh-baselines`` (``make baselines``) copies each trial's current claims.csv to
``baselines/<trial>/claims.csv``, printing what changes; commit the result.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

from kmrepro.audit import drift
from kmrepro.errors import InputError
from kmrepro.io import write_text_atomic
from kmrepro.publish.pages import render_template, status_counts
from kmrepro.audit.trial import Config, load_config
from kmrepro.schemas import read_yaml

PER_TRIAL = ("report.html", "claims.csv", "claims.json", "provenance.json")
SCHEMA = Path("workflow") / "schemas" / "config.schema.yaml"


def check_drift(trial: str, current: Path, baselines: Path, published_url: str | None) -> tuple[str, str, bool]:
    """(listing, one-line summary, regressed) for one trial, against the published copy when reachable, else
    the committed baseline; with neither there is nothing to compare with (not a failure)."""
    notes = []
    previous, against = None, "the published copy"
    if published_url:
        url = f"{published_url.rstrip('/')}/{trial}/claims.csv"
        previous, why = drift.fetch_claims(url)
        if previous is None:
            notes.append(f"note: {why}; comparing with the committed baseline")
    if previous is None:
        baseline, against = baselines / trial / "claims.csv", "the committed baseline"
        if not baseline.is_file():
            notes.append(f"note: no baseline for {trial} ({baseline} is missing): nothing to compare with")
            return "\n".join(notes) + "\n", "no baseline to compare with", False
        previous = drift.read_claims(baseline)
    now = drift.read_claims(current)
    changes = drift.compare(previous, now)
    lost = len(drift.regressions(changes))
    listing = "".join(f"{n}\n" for n in notes) + drift.report(previous, now, changes)
    if not changes:
        summary = f"no claim changed since {against}"
    else:
        summary = f"{len(changes)} changed since {against}" + (f", {lost} no longer reproduced" if lost else "")
    return listing, summary, bool(lost)


def index_html(config: Config, site: Path, drift_lines: dict[str, str]) -> str:
    """The site's index page (templates/index.html): per trial its title, claim counts, drift and build."""
    rows = []
    for trial in config.trials:
        provenance = json.loads((site / trial / "provenance.json").read_text(encoding="utf-8"))
        counts = Counter(row["status"] for row in drift.read_claims(site / trial / "claims.csv").rows.values())
        rows.append(
            {
                "trial": trial,
                "title": read_yaml(config.trial_file(trial)).get("title", trial),
                "counts": status_counts(counts, unknown_colour="#fff"),
                "drift": drift_lines[trial],
                "built": provenance["built_at"].replace("T", " ").replace("Z", " UTC"),
                "commit": provenance["git"]["commit"],
                "dirty": provenance["git"].get("dirty"),
            }
        )
    return render_template("index.html", title="kmrepro audit reports", rows=rows) + "\n"


def publish(config: Config, out: Path, baselines: Path, published_url: str | None) -> int:
    """Assemble the site in ``out`` (replaced whole), print each trial's drift listing; 1 on a regression."""
    results = config.results_dir
    staging = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    drift_lines, failed = {}, []
    for trial in config.trials:
        (staging / trial).mkdir()
        for name in PER_TRIAL:
            source = results / trial / name
            if not source.is_file():
                raise InputError(source, "missing: build the reports first (make report)")
            shutil.copyfile(source, staging / trial / name)
        listing, drift_lines[trial], regressed = check_drift(trial, results / trial / "claims.csv", baselines, published_url)
        print(f"== {trial}\n{listing}", end="")
        (staging / trial / "drift.txt").write_text(listing, encoding="utf-8")
        if regressed:
            failed.append(trial)
    if (results / "report.zip").is_file():
        shutil.copyfile(results / "report.zip", staging / "report.zip")
    write_text_atomic(staging / "index.html", index_html(config, staging, drift_lines))
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    print(f"site: {out}/index.html ({len(config.trials)} trials)")
    if failed:
        print(f"claim drift: a claim that was reproduced no longer is in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def refresh_baselines(config: Config, baselines: Path) -> int:
    for trial in config.trials:
        current = config.results_dir / trial / "claims.csv"
        target = baselines / trial / "claims.csv"
        if target.is_file():
            previous, now = drift.read_claims(target), drift.read_claims(current)
            print(drift.report(previous, now, drift.compare(previous, now)), end="")
        else:
            drift.read_claims(current)  # validates it
            print(f"{target}: new baseline")
        write_text_atomic(target, current.read_text(encoding="utf-8"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmrepro.publish.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="config/config.yaml", help="config.yaml naming the trials")
    parser.add_argument("--baselines", default="baselines", help="folder of committed baselines/<trial>/claims.csv")
    commands = parser.add_subparsers(dest="command", required=True)
    pub = commands.add_parser("publish", help="assemble the site and check claim drift")
    pub.add_argument("--out", default="results/site", help="site folder (replaced)")
    pub.add_argument("--published-url", help="base URL of the published site; its copies are the drift baseline")
    commands.add_parser("refresh-baselines", help="copy the current claims tables to the baselines folder")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, SCHEMA)
        if args.command == "publish":
            return publish(config, Path(args.out), Path(args.baselines), args.published_url or None)
        return refresh_baselines(config, Path(args.baselines))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
