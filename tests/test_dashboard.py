"""The planners' dashboard: served by `agrifin dashboard`, driven in headless Chromium, offline.

The browser is Debian's chromium (/usr/bin/chromium, installed by .ci/run) driven by
Playwright's Python package; Playwright's own browser downloads are not used.
"""

from __future__ import annotations

import os
import re
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation import ValueChainModel, load_scenario
from simulation.app.dashboard.figures import map_figure, village_arrears, village_at_risk_share
from simulation.app.dashboard.layout import PLAY_INTERVAL_MS
from simulation.app.dashboard.levers import balance_shares, cap_total, lever_values, save_lever_set
from simulation.instruments.credit.book import ACTIVE, HOUSEHOLD, NONPERFORMING

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEST_HOUSEHOLDS = 2000
SUBSIDY = "#lever-credit-products-microcredit-interest-subsidy-share"
WAIT_MS = 180_000  # limits far above need: waits end on events, a loaded machine only makes them longer
RELAPSE_POINTS = "document.querySelector('#chart-relapse .js-plotly-plot').data[0].x.length"


# --------------------------------------------------------------------------- levers, without a browser


def test_moving_one_risk_share_rescales_the_others_to_sum_to_one():
    shares = {"guarantor": 0.4, "reguarantor": 0.3, "bank": 0.2, "government": 0.1}
    shares["bank"] = 0.5
    balanced = balance_shares(shares, "bank")
    assert balanced["bank"] == 0.5
    assert sum(balanced.values()) == pytest.approx(1.0, abs=1e-9)
    assert balanced["guarantor"] > balanced["reguarantor"] > balanced["government"]  # proportions kept
    everything = balance_shares({"guarantor": 1.0, "reguarantor": 0.0, "bank": 0.0, "government": 0.0}, "guarantor")
    assert everything == {"guarantor": 1.0, "reguarantor": 0.0, "bank": 0.0, "government": 0.0}
    from_nothing = balance_shares({"guarantor": 0.4, "reguarantor": 0.0, "bank": 0.0, "government": 0.0}, "guarantor")
    assert sum(from_nothing.values()) == pytest.approx(1.0) and from_nothing["bank"] == pytest.approx(0.2)


def test_premium_subsidies_are_capped_at_the_whole_premium():
    capped = cap_total({"central": 0.4, "province": 0.25, "county": 0.6}, "county")
    assert capped["county"] == pytest.approx(0.35)
    assert sum(capped.values()) == pytest.approx(1.0)
    assert cap_total({"central": 0.4, "province": 0.25, "county": 0.2}, "county")["county"] == 0.2


def test_saved_lever_set_extends_its_scenario_with_only_the_changed_keys(tmp_path):
    start = load_scenario(BASELINE)
    values = lever_values(start)
    values["credit.products.microcredit.interest_subsidy_share"] = 0.5
    values["monitoring.enabled"] = True
    saved = save_lever_set(BASELINE, start, values, "subsidy_half", tmp_path / "mine", seed=3)
    raw = yaml.safe_load(saved.path.read_text())
    assert raw["extends"] == os.path.relpath(BASELINE, tmp_path / "mine")
    assert raw["name"] == "subsidy_half" and "interest_subsidy_share" in raw["description"]
    assert raw["credit"] == {"products": {"microcredit": {"interest_subsidy_share": 0.5}}}
    assert raw["monitoring"] == {"enabled": True}
    assert set(raw) == {"extends", "name", "description", "credit", "monitoring"}
    scenario = load_scenario(saved.path)
    assert scenario.credit.products.microcredit.interest_subsidy_share == 0.5 and scenario.monitoring.enabled
    with pytest.raises(ValueError, match="already exists"):
        save_lever_set(BASELINE, start, values, "subsidy_half", tmp_path / "mine", seed=3)


def test_village_map_aggregates_households_and_their_arrears_by_village():
    model = ValueChainModel(load_scenario(BASELINE, {"population.households": 1500}), seed=2)
    for _ in range(14):
        model.step()
    hh, poverty = model.households, model.params.poverty
    frame = pd.DataFrame({"village": hh.village, "size": hh.size, "income": hh.income_pc})
    frame["at_risk_persons"] = frame["size"] * (frame["income"] < poverty.line * poverty.monitoring_multiple)
    sums = frame.groupby("village")[["at_risk_persons", "size"]].sum()
    np.testing.assert_allclose(village_at_risk_share(model), sums["at_risk_persons"] / sums["size"])
    loans = model.loans
    live = np.isin(loans.view("status"), (ACTIVE, NONPERFORMING)) & (loans.view("borrower_kind") == HOUSEHOLD)
    overdue = loans.view("arrears")[live].sum()
    np.testing.assert_allclose((village_arrears(model) * np.bincount(hh.village)).sum(), overdue)
    grid = map_figure(model, "at_risk")["data"][0]["z"]
    assert sum(v is not None for row in grid for v in row) == model.n_villages


# --------------------------------------------------------------------------- the served page


@pytest.fixture(scope="module")
def save_dir(tmp_path_factory):
    """The dashboard's --save-dir: lever sets can be saved inside it only."""
    return tmp_path_factory.mktemp("lever_sets")


@pytest.fixture(scope="module")
def server(tmp_path_factory, save_dir):
    """`agrifin dashboard` on the default or a free port, 2,000 households; yields its address."""
    command = [
        sys.executable,
        "-m",
        "simulation.app.cli.main",
        "dashboard",
        str(BASELINE),
        "--households",
        str(TEST_HOUSEHOLDS),
    ]
    command += ["--save-dir", str(save_dir)]
    errors = tmp_path_factory.mktemp("dashboard") / "stderr.txt"
    with errors.open("w") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True)
    ready, _, _ = select.select([process.stdout], [], [], WAIT_MS / 1000)
    line = process.stdout.readline() if ready else ""
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        pytest.fail(f"agrifin dashboard did not print its address: {line!r} {errors.read_text()}")
    yield match.group(0)
    process.terminate()
    process.wait(timeout=120)


@pytest.fixture(scope="module")
def browser_requests():
    """Every URL the browser asks for, over all the tests of this module."""
    return []


@pytest.fixture(scope="module")
def browser(browser_requests):
    """Debian's headless Chromium, driven by Playwright (its own browser downloads are not used)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1500, "height": 1300})
        context.set_default_timeout(WAIT_MS)
        context.on("request", lambda request: browser_requests.append(request.url))
        yield context
        context.close()
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh page of the dashboard, its first run shown at month 0; ``tab.in_flight`` holds its open requests."""
    tab = browser.new_page()
    tab.in_flight = set()
    tab.on("request", lambda request: tab.in_flight.add(request))
    tab.on("requestfinished", lambda request: tab.in_flight.discard(request))
    tab.on("requestfailed", lambda request: tab.in_flight.discard(request))
    tab.goto(server)
    tab.wait_for_selector("#county-map .main-svg", timeout=WAIT_MS)
    tab.wait_for_function("document.getElementById('month').innerText.startsWith('Month 0 ')")
    yield tab
    tab.close()


def month(page) -> int:
    return int(page.inner_text("#month").split()[1])


def settle(page) -> None:
    """Wait until the page has no request to the server in flight (an event; the limit is far above need)."""
    waited = 0
    while page.in_flight and waited < WAIT_MS:
        page.wait_for_timeout(50)
        waited += 50
    assert not page.in_flight, f"requests still open after {WAIT_MS} ms: {[r.url for r in page.in_flight]}"


def step(page, months: int) -> None:
    for _ in range(months):
        before = month(page)
        page.click("#step")
        page.wait_for_function(f"{RELAPSE_POINTS} === {before + 1}", timeout=WAIT_MS)


def test_moving_a_lever_and_stepping_updates_the_month_and_the_charts(page, tmp_path):
    step(page, 4)
    baseline_relapse = page.evaluate("() => document.querySelector('#chart-relapse .js-plotly-plot').data[0].y")
    handle = page.locator(f"{SUBSIDY} [role=slider]").first
    handle.focus()
    page.keyboard.press("End")  # interest subsidy to 100%
    page.wait_for_function("document.getElementById('status').innerText.includes('interest_subsidy_share = 1')")
    assert month(page) == 0  # a new run under the lever
    previous = page.evaluate(
        "() => document.querySelector('#chart-relapse .js-plotly-plot').data"
        ".find(t => t.name.startsWith('previous run')).y"
    )
    assert previous == baseline_relapse  # the run before the lever stays on the chart, dashed

    step(page, 3)
    assert page.inner_text("#month") == "Month 3 of 120"
    fiscal = page.evaluate("() => document.querySelector('#chart-fiscal .js-plotly-plot').data")
    assert all(len(trace["x"]) == 3 for trace in fiscal[:-1])
    assert sum(sum(trace["y"]) for trace in fiscal[:-1]) > 0
    assert "month 3" in page.inner_text("#county-map")

    page.click("#play")
    page.wait_for_function("parseInt(document.getElementById('month').innerText.split(' ')[1]) >= 12")
    page.click("#play")  # pause
    page.wait_for_function("document.getElementById('play').innerText === 'Play'")
    settle(page)  # a month already computing when Pause was pressed lands first
    paused_at = month(page)
    page.wait_for_timeout(3 * PLAY_INTERVAL_MS)  # a clock still running would have asked for a month by now
    settle(page)
    assert month(page) == paused_at >= 12

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


def test_risk_shares_on_the_page_keep_summing_to_one(page):
    page.fill("#lever-guarantee-risk-shares-bank input", "0.4")
    page.press("#lever-guarantee-risk-shares-bank input", "Tab")  # the slider's box commits on leaving it
    page.wait_for_function("document.getElementById('status').innerText.includes('risk_shares.bank = 0.4')")
    shares = {
        party: float(page.locator(f"#lever-guarantee-risk-shares-{party} input").first.input_value())
        for party in ("guarantor", "reguarantor", "bank", "government")
    }
    assert shares["bank"] == pytest.approx(0.4)
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-6)


def test_lever_set_saved_from_the_page_loads_as_a_scenario(page, save_dir):
    page.locator("#lever-monitoring-enabled input").check()
    page.wait_for_function("document.getElementById('status').innerText.includes('monitoring.enabled = on')")
    page.fill("#save-name", "planner_monitoring")
    page.fill("#save-folder", str(save_dir / "saved"))
    page.click("#save")
    page.wait_for_function("document.getElementById('save-message').innerText.startsWith('Saved')")
    path = save_dir / "saved" / "planner_monitoring.yaml"
    raw = yaml.safe_load(path.read_text())
    assert raw["extends"] == os.path.relpath(BASELINE, save_dir / "saved")
    assert raw["monitoring"] == {"enabled": True}
    assert raw["population"] == {"households": TEST_HOUSEHOLDS}  # the page ran 2,000, the file says 20,000
    scenario = load_scenario(path)
    assert scenario.name == "planner_monitoring" and scenario.monitoring.enabled


def test_page_refuses_to_save_outside_the_save_dir(page, tmp_path):
    page.fill("#save-name", "escaped")
    page.fill("#save-folder", str(tmp_path / "elsewhere"))
    page.click("#save")
    page.wait_for_function("document.getElementById('save-message').innerText.startsWith('Not saved')")
    assert "outside" in page.inner_text("#save-message")
    assert not (tmp_path / "elsewhere").exists()


def test_a_step_at_20000_households_renders_and_its_time_is_recorded(page):
    page.fill("#lever-population-households", "20000")
    page.press("#lever-population-households", "Enter")
    page.wait_for_function("document.getElementById('status').innerText.startsWith('20,000 households')")
    seconds = []
    for _ in range(5):
        began = time.perf_counter()
        step(page, 1)
        seconds.append(time.perf_counter() - began)
    # a record, not a test of speed (that depends on the machine's load)
    print(f"step and render at 20,000 households: median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s")
    assert month(page) == 5


def test_page_loads_nothing_from_outside_127_0_0_1(page, browser_requests):
    # runs last: by now the module's pages have loaded, stepped, played, saved
    page.click("#step")
    page.wait_for_function(f"{RELAPSE_POINTS} === 1")
    assert len(browser_requests) > 20
    outside = [url for url in browser_requests if urlparse(url).hostname != "127.0.0.1"]
    assert outside == []


# --------------------------------------------------------------------------- bad input


def test_unknown_scenario_or_busy_port_exit_2_with_one_line(server):
    port = urlparse(server).port
    cases = (["no_such_scenario.yaml"], [str(BASELINE), "--port", str(port)])
    commands = [[sys.executable, "-m", "simulation.app.cli.main", "dashboard", *args] for args in cases]
    running = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands
    ]
    messages = []
    for process in running:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 2
        assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
        messages.append(stderr)
    assert messages[0].startswith("agrifin: no_such_scenario.yaml: file not found")
    assert messages[1].startswith(f"agrifin: --port {port}: the port is in use")


def test_served_page_refuses_a_foreign_host_or_origin_as_a_rebinding_page_would_send(server):
    import http.client

    port = urlparse(server).port

    def status(headers: dict[str, str]) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", "/_dash-update-component", body="{}", headers=headers)
        code = connection.getresponse().status
        connection.close()
        return code

    assert status({"Host": f"rebind.attacker.example:{port}", "Content-Type": "application/json"}) == 403
    assert status({"Host": f"127.0.0.1:{port}", "Origin": "http://attacker.example"}) == 403
    assert status({"Host": f"localhost:{port}", "Content-Type": "application/json"}) != 403
