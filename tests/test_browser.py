"""The report in a real browser: headless Chromium (Debian's ``chromium`` package) opens report.html, every
figure must have loaded (with alt text), the claims scorecard and the provenance footer must be there, the first
screen (1280 x 800) must hold the title, the one-line inputs note, the verdict counts, one card per headline claim
and the start of the Kaplan-Meier figures, and no table may overflow at 1280 or 800 px. Screenshots are saved
in results/browser/: <trial>.png (whole page), <trial>_first_screen.png, <trial>_800.png (CI keeps them).

Chromium is driven over its DevTools protocol through a pipe (``--remote-debugging-pipe``): no driver, no
port, no third-party package. Without Chromium the tests skip, saying how to install it (.ci/run does).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from kmrepro.audit.trial import load_trial
from kmrepro.publish.overview import grouped_scorecard, headline_cards
from test_workflow import snakemake, workspace

TRIAL = "gbsg2"
SCREENSHOTS = REPO / "results" / "browser"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers have a small /dev/shm
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
#: Runs in the child before Chromium: our pipe ends become fds 3 (commands in) and 4 (replies out). They are
#: first moved above 9, since either may itself be fd 3 or 4.
_SPAWN = (
    "import fcntl, os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); "
    "high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (r, w)]; os.close(r); os.close(w); "
    "os.dup2(high[0], 3); os.dup2(high[1], 4); [os.close(fd) for fd in high]; os.execv(sys.argv[3], sys.argv[3:])"
)
#: What the page shows, read in the page: every image's state, the scorecard and the footer.
_INSPECT = """(() => ({
  title: document.title,
  images: Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})),
  scorecardRows: Array.from(document.querySelectorAll('table.scorecard tbody tr')).map(r => r.cells[0].textContent.trim()),
  footer: (document.querySelector('footer#provenance') || {}).textContent || null,
}))()"""
#: Where the first-screen elements sit (CSS px from the top of the page), and what overflows horizontally.
_LAYOUT = """(() => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
    return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, left: r.left, right: r.right, height: r.height}; };
  const bodyRight = document.body.getBoundingClientRect().right;
  return {
    viewport: window.innerWidth,
    pageWidth: document.documentElement.scrollWidth,
    title: box(document.querySelector('h1')),
    banner: box(document.querySelector('.banner-line')),
    bannerLink: (document.querySelector('.banner-line a') || {}).hash || null,
    verdict: box(document.querySelector('p.verdict')),
    verdictText: (document.querySelector('p.verdict') || {}).textContent || '',
    cards: Array.from(document.querySelectorAll('.card')).map(c => ({id: c.id, box: box(c), text: c.textContent})),
    firstKm: box(document.querySelector('.figure-row.km img')),
    toc: Array.from(document.querySelectorAll('nav.toc a')).map(a => a.hash),
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    foldedOpen: Array.from(document.querySelectorAll('details.folded')).map(d => d.open),
    overflowing: Array.from(document.querySelectorAll('table')).filter(
      t => t.getBoundingClientRect().right > bodyRight + 1 || t.scrollWidth > t.clientWidth + 1
    ).map(t => (t.caption ? t.caption.textContent : t.rows[0].textContent).slice(0, 80)),
  };
})()"""


def chromium_binary() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (NUL-separated JSON messages)."""

    def __init__(self, binary: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="kmrepro-chromium-")
        self.log = open(Path(self.profile).with_suffix(".log"), "wb")
        to_child, self._to_chromium = os.pipe()
        self._from_chromium, from_child = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SPAWN, str(to_child), str(from_child), binary, *FLAGS,
             f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=self.session)

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_chromium], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError(f"Chromium did not answer within {self.timeout:g} s")
            chunk = os.read(self._from_chromium, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None, wait_for: str | None = None) -> dict:
        """Send one command; return its result (after the event ``wait_for`` too, when given)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chromium, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        result, event_seen = None, wait_for is None
        while result is None or not event_seen:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result = reply["result"]
            elif wait_for and reply.get("method") == wait_for and reply.get("sessionId") == session:
                event_seen = True
        return result

    def open(self, path: Path) -> dict:
        """Load a file, wait for its load event (every image loaded or failed), and inspect it."""
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=self.session, wait_for="Page.loadEventFired")
        value = self.call("Runtime.evaluate", {"expression": _INSPECT, "returnByValue": True}, session=self.session)
        return value["result"]["value"]

    def layout(self, width: int, height: int = 800) -> dict:
        """Re-lay the open page out at ``width`` x ``height`` and measure it (``_LAYOUT``)."""
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", metrics, session=self.session)
        return self.call("Runtime.evaluate", {"expression": _LAYOUT, "returnByValue": True}, session=self.session)["result"]["value"]

    def viewport_screenshot(self, target: Path) -> bytes:
        """What the current viewport shows (after ``layout``), as PNG."""
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return data

    def screenshot(self, target: Path, width: int = 1280, max_height: int = 16000) -> bytes:
        """The whole page (up to max_height CSS px) as PNG, at the given width."""
        metrics = {"width": width, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", {**metrics, "height": 900}, session=self.session)
        height = self.call("Page.getLayoutMetrics", session=self.session)["cssContentSize"]["height"]
        self.call("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(int(height) + 1, max_height)}, session=self.session)
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return data

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (EOFError, TimeoutError, OSError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_chromium, self._from_chromium):
            os.close(fd)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def browser():
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Chromium not found: install Debian's chromium package (apt-get install chromium; .ci/run does) "
                    "or set CHROMIUM=/path/to/chromium; report.html was not checked in a browser")
    chromium = Chromium(binary)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def report(browser, tmp_path_factory) -> Path:
    """The GBSG2 validation trial's report, built in a temporary copy of the workflow."""
    path = workspace(tmp_path_factory.mktemp("browser"), REPO / "trials", [TRIAL])
    result = snakemake(path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return path / "results" / TRIAL / "report.html"


@pytest.mark.slow
def test_report_in_a_real_browser(browser, report):
    page = browser.open(report)
    assert page["title"].startswith("Validation: GBSG2")
    # Figure 1, the forest plot, the QA figure: every one loaded and has a size.
    assert len(page["images"]) >= 3
    broken = [image["alt"] for image in page["images"] if not (image["complete"] and image["width"] > 0 and image["height"] > 0)]
    assert not broken, f"figures that did not load: {broken}"
    assert all(image["alt"].strip() for image in page["images"]), "a figure without alt text"
    groups = grouped_scorecard(_trial(), pd.read_csv(report.parent / "claims.csv"))
    assert page["scorecardRows"] == [row["id"] for g in groups for row in (*g["shown"], *g["folded"])]
    assert page["footer"] and "Provenance of this build" in page["footer"] and "Snakemake" in page["footer"]
    shot = browser.screenshot(SCREENSHOTS / f"{TRIAL}.png")
    assert shot.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(shot[16:20], "big"), int.from_bytes(shot[20:24], "big")
    assert width == 1280 and height > 2000  # the whole report, not one screenful


def _trial():
    return load_trial(REPO / "trials" / TRIAL / "trial.yaml", REPO / "workflow" / "schemas" / "trial.schema.yaml")


@pytest.mark.slow
def test_first_screen_leads_with_the_answer(browser, report):
    """At 1280 x 800, without scrolling: title, one-line inputs note, verdict counts, every headline card, and the
    Kaplan-Meier figures starting right after."""
    browser.open(report)
    page = browser.layout(1280, 800)
    browser.viewport_screenshot(SCREENSHOTS / f"{TRIAL}_first_screen.png")
    assert 0 <= page["title"]["top"] < page["banner"]["top"] < page["verdict"]["top"]
    assert page["banner"]["height"] < 45, "the inputs note must be one line"
    assert page["bannerLink"] == "#inputs" and "inputs" in page["ids"]
    claims = pd.read_csv(report.parent / "claims.csv")
    for status, count in claims["status"].value_counts().items():
        assert f"{status}: {count}" in page["verdictText"]
    stats = {e.id: json.loads((report.parent / "stats" / f"{e.id}.json").read_text()) for e in _trial().endpoints}
    expected = headline_cards(_trial(), claims, stats)
    assert [c["id"] for c in page["cards"]] == [f"card-{c['id']}" for c in expected] and expected
    for card, claim in zip(page["cards"], expected):
        assert page["verdict"]["bottom"] <= card["box"]["top"] and card["box"]["bottom"] <= 800, card["id"]
        assert claim["published"] in card["text"] and claim["regenerated"] in card["text"] and claim["status"] in card["text"]
    last_card = max(c["box"]["bottom"] for c in page["cards"])
    assert last_card <= page["firstKm"]["top"] < 800, "the Kaplan-Meier figures must start on the first screen"
    assert all(target.lstrip("#") in page["ids"] for target in page["toc"]) and len(page["toc"]) >= 8
    folded = [g for g in grouped_scorecard(_trial(), claims) if g["folded"]]
    assert len(page["foldedOpen"]) == len(folded) and not any(page["foldedOpen"]), "input-only claims are folded away"


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 800])
def test_no_horizontal_scrolling(browser, report, width):
    browser.open(report)
    page = browser.layout(width)
    assert page["pageWidth"] <= page["viewport"] == width
    assert not page["overflowing"], f"tables wider than the page at {width} px: {page['overflowing']}"
    if width == 800:
        browser.screenshot(SCREENSHOTS / f"{TRIAL}_800.png", width=800)


def test_an_overflowing_table_is_caught(browser, tmp_path):
    """The overflow check can fail: a table of unbreakable words wider than 800 px is reported."""
    page = tmp_path / "wide.html"
    cells = "".join(f"<td>{'x' * 40}</td>" for _ in range(6))
    page.write_text(f"<!DOCTYPE html><title>t</title><body style='max-width:780px'><table><tr>{cells}</tr></table>",
                    encoding="utf-8")
    browser.open(page)
    measured = browser.layout(800)
    assert measured["overflowing"] and measured["pageWidth"] > 800


def test_a_figure_that_does_not_load_is_caught(browser, tmp_path):
    """The check can fail: an image whose data is not a PNG is reported as not loaded."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><title>t</title><img alt="good" src="data:image/png;base64,'
                    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">'
                    '<img alt="bad" src="data:image/png;base64,AAAA">', encoding="utf-8")
    images = {image["alt"]: image for image in browser.open(page)["images"]}
    assert images["good"]["width"] == 1 and images["bad"]["width"] == 0


def test_registry_page_in_a_real_browser(browser, tmp_path):
    """The corpus registry: both figures load, and its table filters as one types and sorts on a click."""
    from kmrepro.corpus import kmdata
    from kmrepro.corpus.generate import papers, write_trial
    from kmrepro.corpus.registry import build_registry

    found = {p.id: p for p in papers(*kmdata.load(), kmdata.KMDATA, [])}
    for trial, hr in (("actscc", 0.9), ("2005b3030", 0.7)):
        write_trial(found[trial], tmp_path / "trials")
        for endpoint in {d["endpoint"] for d in json.loads((tmp_path / "trials" / trial / "corpus.json").read_text())["datasets"]}:
            stats = tmp_path / "r" / trial / "stats" / f"{endpoint}.json"
            stats.parent.mkdir(parents=True, exist_ok=True)
            stats.write_text(json.dumps({"comparison": {"hazard_ratio": {"estimate": hr, "lower": hr / 2, "upper": hr * 2}}}))
        (tmp_path / "r" / trial / "report.html").write_text("<html></html>")  # the trial's build is complete
    config = tmp_path / "config.yaml"
    config.write_text(f"trials: [actscc, 2005b3030]\ntrials_dir: {tmp_path / 'trials'}\nresults_dir: {tmp_path / 'r'}\n")
    build_registry(config, tmp_path / "registry", limit=2)
    page = browser.open(tmp_path / "registry" / "index.html")
    assert [i["alt"] for i in page["images"] if i["complete"] and i["width"] > 0] == [
        "Scatter of published against regenerated hazard ratios, log axes", "Histogram of |Δ log HR|"]
    script = """(() => { const f = document.getElementById('filter'); f.value = 'actscc';
      f.dispatchEvent(new Event('input'));
      const shown = Array.from(document.querySelectorAll('#registry tbody tr')).filter(r => !r.hidden).length;
      f.value = ''; f.dispatchEvent(new Event('input'));
      document.querySelector('#registry th:nth-child(6)').click();
      const published = Array.from(document.querySelectorAll('#registry tbody tr')).map(r => r.cells[5].textContent);
      return {shown, published}; })()"""
    value = browser.call("Runtime.evaluate", {"expression": script, "returnByValue": True}, session=browser.session)
    result = value["result"]["value"]
    assert result["shown"] == 1
    assert result["published"] == sorted(result["published"], key=float) and len(result["published"]) == 3
