"""The dashboard page in headless Chromium (Selenium): every table shows the
rows the API returns; an append through the API updates the affected table
without a reload; time travel shows an earlier state; a plugin's tables are
drawn with their declared columns and follow the feed too; times read as
local date-times, ids open their audit trail, tables sort and filter, the
due-by picker takes a date, and the page fits a narrow window. Saves
screenshots to the build directory."""
import json
import os
import shutil
import time
import urllib.parse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import make_store

PROJECTIONS = ["active_tasks", "schedules", "watchers", "rules", "integrations",
               "approvals", "queue_depth", "autonomy_history", "alarms"]
PAGE_ROWS = 25


def cell(v):
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1600,1400", f"--user-data-dir={tmp_path / 'profile'}",
                 "--no-proxy-server"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or
                                              "/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def header(driver, name):
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(th => th.textContent)",
        f"[id='table-{name}'] thead th")


def table_rows(driver, name):
    # Read in one script, so that a re-render cannot come between the cells;
    # each cell's raw value (a time or an id is drawn otherwise).
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map("
        "tr => [...tr.cells].map(td => td.dataset.raw))", f"[id='table-{name}'] tbody tr")


def api_rows(server, name, **params):
    q = urllib.parse.urlencode(dict(params, limit=PAGE_ROWS))
    rows = server.get_json(f"/v1/projections/{name}?{q}")["rows"]
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return [[cell(r.get(c)) for c in columns] for r in rows]


def wait_for(driver, predicate, timeout):
    WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: predicate())


def test_the_dashboard_shows_updates_and_travels_in_time(tmp_path, serve, browser):
    db = make_store(tmp_path / "page", 3000)
    s = serve(db, "--allow-append")
    browser.get(f"http://127.0.0.1:{s.port}/")
    for name in PROJECTIONS:
        wait_for(browser, lambda: browser.find_element(By.ID, f"table-{name}")
                 .get_attribute("data-seq") == "3000", 20)
        assert table_rows(browser, name) == api_rows(s, name), name
    # The live feed: the page is not reloaded (the marker stays), the alarms
    # table shows the new alarm within a second of the append.
    wait_for(browser, lambda: browser.execute_script(
        "return window.__feedOpen === true"), 10)
    browser.execute_script("window.__marker = 42")
    event = ('{"type":"alarm_raised","alarm_id":"aaa-live","severity":"critical",'
             '"source":"page-test","message":"raised by the browser test"}\n')
    status, _, data = s.request("POST", "/v1/events", body=event)
    assert status == 200, data
    appended = time.monotonic()
    wait_for(browser, lambda: any(r and r[0] == "aaa-live"
                                  for r in table_rows(browser, "alarms")), 1.0)
    print(f"\nthe alarms table showed the append after {time.monotonic() - appended:.3f} s")
    assert browser.execute_script("return window.__marker") == 42
    assert table_rows(browser, "alarms") == api_rows(s, "alarms")
    # The alarm-state and due filters.
    browser.find_element(By.ID, "state-alarms").send_keys("open")
    wait_for(browser, lambda: table_rows(browser, "alarms") ==
             api_rows(s, "alarms", state="open"), 5)
    # Time travel to seq 1000: every table as the API has it as of 1000.
    browser.find_element(By.ID, "as-of").send_keys("1000")
    browser.find_element(By.ID, "travel").click()
    wait_for(browser, lambda: browser.find_element(By.ID, "status")
             .get_attribute("data-seq") == "1000", 30)
    for name in PROJECTIONS:
        wait_for(browser, lambda: browser.find_element(By.ID, f"table-{name}")
                 .get_attribute("data-seq") == "1000", 30)
        params = {"as_of": 1000}
        if name == "alarms":
            params["state"] = "open"
        assert table_rows(browser, name) == api_rows(s, name, **params), name
    assert "as of seq 1000" in browser.find_element(By.ID, "status").text
    out = os.environ.get("ANNAL_BUILD_DIR", str(tmp_path))
    browser.save_screenshot(os.path.join(out, "dashboard.png"))
    browser.find_element(By.ID, "live").click()
    wait_for(browser, lambda: browser.find_element(By.ID, "status")
             .get_attribute("data-seq") == "3001", 10)


def test_a_plugins_tables_show_their_declared_columns_and_follow_the_feed(
        tmp_path, serve, browser):
    plugin = os.environ["ANNAL_TEST_PLUGIN"]
    db = make_store(tmp_path / "page", 2000, plugin=plugin)
    s = serve(db, "--allow-append", "--plugin", plugin)
    browser.get(f"http://127.0.0.1:{s.port}/")
    listing = {p["name"]: p for p in s.get_json("/v1/projections")["projections"]}
    for table in listing["tool_stats"]["tables"]:
        name = f"tool_stats.{table['name']}"
        wait_for(browser, lambda: browser.find_element(By.ID, f"table-{name}")
                 .get_attribute("data-seq") == "2000", 20)
        columns = [c["name"] for c in table["key"] + table["fields"]]
        assert header(browser, name) == columns
        rows = s.get_json(f"/v1/projections/tool_stats?table={table['name']}"
                          f"&limit={PAGE_ROWS}")["rows"]
        assert table_rows(browser, name) == [[cell(r[c]) for c in columns] for r in rows]
    wait_for(browser, lambda: browser.execute_script(
        "return window.__feedOpen === true"), 10)
    # A call of a tool no row has yet: the feed names tool_stats, and its
    # tools table shows the new tool (sorted first) without a reload.
    events = ('{"type":"task_created","task_id":"aaa-task","name":"t"}\n'
              '{"type":"tool_call_queued","call_id":"aaa-call","task_id":"aaa-task",'
              '"tool":"aaa-tool"}\n')
    status, _, data = s.request("POST", "/v1/events", body=events)
    assert status == 200, data
    wait_for(browser, lambda: any(r and r[0] == "aaa-tool"
                                  for r in table_rows(browser, "tool_stats.tools")), 5)


def test_times_trails_sorting_filters_and_narrow_widths(tmp_path, serve, browser):
    db = make_store(tmp_path / "page", 3000)
    s = serve(db)
    browser.get(f"http://127.0.0.1:{s.port}/")
    wait_for(browser, lambda: browser.find_element(By.ID, "table-active_tasks")
             .get_attribute("data-seq") == "3000", 20)
    # annal's own projections are trails and charts, not tables.
    assert not browser.find_elements(By.CSS_SELECTOR, "[id^='section-audit_trail']")
    assert not browser.find_elements(By.CSS_SELECTOR, "[id^='section-series']")
    # A time: local date-time and how long ago; the raw µs on hover.
    cell = browser.find_element(By.CSS_SELECTOR, "[id='table-active_tasks'] td.time")
    raw = int(cell.get_attribute("title"))
    local = browser.execute_script(
        "const d = new Date(arguments[0] / 1000), p = n => String(n).padStart(2, '0');"
        "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} `"
        " + `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;", raw)
    assert cell.text.startswith(local) and cell.text.endswith("ago)"), cell.text
    # An id opens its audit trail: the events /v1/history has, in order.
    link = browser.find_element(By.CSS_SELECTOR, "[id='table-active_tasks'] a.trail")
    task = link.get_attribute("data-id")
    link.click()
    wait_for(browser, lambda: browser.find_element(By.ID, "trail").is_displayed(), 5)
    wait_for(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#trail-events li"), 5)
    trail = s.get_json(f"/v1/history/task/{urllib.parse.quote(task, safe='')}")["events"]
    seqs = browser.execute_script(
        "return [...document.querySelectorAll('#trail-events li')].map(li => li.dataset.seq)")
    assert seqs == [str(e["seq"]) for e in trail] and len(trail) > 0
    assert browser.find_element(By.ID, "trail-title").text == f"task {task}: {len(trail)} events"
    browser.find_element(By.ID, "trail-close").click()
    assert not browser.find_element(By.ID, "trail").is_displayed()
    # Sorting by a column, both ways, by its raw values.
    columns = header(browser, "alarms")
    at = columns.index("raised_at")
    th = browser.find_elements(By.CSS_SELECTOR, "[id='table-alarms'] thead th")[at]
    th.click()
    up = [int(r[at]) for r in table_rows(browser, "alarms")]
    assert up == sorted(up) and th.get_attribute("aria-sort") == "ascending"
    th.click()
    down = [int(r[at]) for r in table_rows(browser, "alarms")]
    assert down == sorted(up, reverse=True)
    # The filter shows the rows holding its text.
    first = table_rows(browser, "alarms")[0][0]
    browser.find_element(By.ID, "filter-alarms").send_keys(first)
    shown = browser.execute_script(
        "return [...document.querySelectorAll(\"[id='table-alarms'] tbody tr\")]"
        ".filter(tr => !tr.hidden).map(tr => tr.cells[0].dataset.raw)")
    assert shown == [first]
    # The due-by picker: a local date and time, the API's rows due by it.
    due = browser.find_element(By.ID, "due-active_tasks")
    browser.execute_script(
        "arguments[0].value = '2023-11-15T01:00:00';"
        "arguments[0].dispatchEvent(new Event('change'))", due)
    micros = browser.execute_script("return Date.parse('2023-11-15T01:00:00') * 1000")
    wait_for(browser, lambda: table_rows(browser, "active_tasks") ==
             api_rows(s, "active_tasks", due=micros), 5)
    out = os.environ.get("ANNAL_BUILD_DIR", str(tmp_path))
    browser.save_screenshot(os.path.join(out, "dashboard-wide.png"))
    # A narrow window: nothing wider than it.
    browser.set_window_size(420, 900)
    wait_for(browser, lambda: browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"), 5)
    browser.save_screenshot(os.path.join(out, "dashboard-narrow.png"))


def test_charts_of_the_series_and_the_autonomy_steps_follow_the_feed(tmp_path, serve, browser):
    db = make_store(tmp_path / "page", 3000)
    s = serve(db, "--allow-append")
    browser.get(f"http://127.0.0.1:{s.port}/")
    charts = ("queue", "alarms", "events", "autonomy")
    wait_for(browser, lambda: browser.execute_script(
        "return !!(window.__charts && arguments[0].every(c => window.__charts[c]))",
        list(charts)), 20)
    # The whole store: each chart holds the API's rows.
    browser.execute_script(
        "const w = document.getElementById('chart-window'); w.value = '';"
        "w.dispatchEvent(new Event('change'))")
    data = lambda c, i=0: browser.execute_script(  # noqa: E731
        "const ch = window.__charts[arguments[0]];"
        "return ch.data.datasets[arguments[1]].data", c, i)
    queue = s.get_json("/v1/series/queue")["rows"]
    wait_for(browser, lambda: data("queue") == [r["runnable_tasks_last"] for r in queue], 10)
    assert data("queue", 2) == [r["tool_queue_depth_last"] for r in queue]
    appends = s.get_json("/v1/series/appends")["rows"]
    assert data("events") == [r["events"] for r in appends]
    raised = sum(r["raised"] for r in s.get_json("/v1/series/alarms")["rows"])
    total = lambda: browser.execute_script(  # noqa: E731
        "return window.__charts.alarms.data.datasets.flatMap(d => d.data)"
        ".reduce((a, b) => a + b, 0)")
    assert total() == raised
    # The autonomy level as steps, one per change, in seq order.
    changes = [r for r in s.get_json("/v1/projections/autonomy_history?limit=10000")["rows"]
               if r.get("seq") is not None]
    assert data("autonomy") == [r["to_level"] for r in sorted(changes, key=lambda r: r["seq"])]
    assert browser.execute_script(
        "return window.__charts.autonomy.data.datasets[0].stepped") is True
    # The feed redraws them: one more alarm raised, one more in the chart.
    wait_for(browser, lambda: browser.execute_script("return window.__feedOpen === true"), 10)
    event = ('{"type":"alarm_raised","alarm_id":"zz-chart","severity":"warning",'
             '"source":"chart-test","message":"m"}\n')
    status, _, body = s.request("POST", "/v1/events", body=event)
    assert status == 200, body
    wait_for(browser, lambda: total() == raised + 1, 5)
    out = os.environ.get("ANNAL_BUILD_DIR", str(tmp_path))
    browser.execute_script("document.getElementById('charts').scrollIntoView()")
    browser.save_screenshot(os.path.join(out, "dashboard-charts.png"))
