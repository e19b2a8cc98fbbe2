"""tpp site end to end in a real headless Chromium (the system browser, driven by Playwright): the index loads with no
console error and nothing fetched from outside the site, sorting and filtering (also from the keyboard) change the
rows, a chip page shows its sources, the licence map's cells carry text, a phone-width layout does not overflow.

Screenshots go to the test's temporary directory, or to $TPP_SCREENSHOTS when set (the README's come from there).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.site_fakes import built_site, fake_determine  # noqa: F401 (a fixture)

pytest.importorskip("jinja2", reason="tpp site needs the site extra (Jinja2)")
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test drives Chromium with Playwright "
                               "(pip install playwright; make test installs it)")


def _browser_path() -> str | None:
    for name in (os.environ.get("TPP_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def site(built_site):  # noqa: F811 (the fixture imported above)
    return built_site


@pytest.fixture(scope="module")
def browser():
    exe = _browser_path()
    if exe is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium; make test installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path):
    d = Path(os.environ.get("TPP_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


class _Watch:
    """Console errors, page errors and every URL a page requested."""

    def __init__(self, page):
        self.errors, self.urls = [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.urls.append(r.url))


def _open(browser, site, rel, width=1280, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    watch = _Watch(page)
    page.goto((site / rel).as_uri())
    return page, watch


def _column(page, key):
    return page.eval_on_selector_all(
        "#chips tbody tr:not([hidden])",
        "(rows, key) => rows.map(r => r.cells[[...r.closest('table').tHead.rows[0].cells]"
        ".findIndex(th => th.dataset.key === key)].dataset.sort ?? r.cells[0].textContent)", key)


def test_index_loads_sorts_and_filters(browser, site, db, shots):
    page, watch = _open(browser, site, "index.html")
    rows = page.locator("#chips tbody tr")
    assert rows.count() == len(db)
    page.screenshot(path=str(shots / "site-index.png"))

    page.click("th[data-key=tpp] button")  # numbers: largest first, unknown last
    tpps = _column(page, "tpp")
    known = [float(x) for x in tpps if x != ""]
    assert known == sorted(known, reverse=True) and tpps[: len(known)] == [x for x in tpps if x != ""]
    assert page.get_attribute("th[data-key=tpp]", "aria-sort") == "descending"
    page.click("th[data-key=tpp] button")
    known = [float(x) for x in _column(page, "tpp") if x != ""]
    assert known == sorted(known) and page.get_attribute("th[data-key=tpp]", "aria-sort") == "ascending"

    page.focus("th[data-key=vendor] button")  # from the keyboard
    page.keyboard.press("Enter")
    vendors = page.eval_on_selector_all("#chips tbody tr", "rows => rows.map(r => r.cells[1].textContent)")
    assert vendors == sorted(vendors, key=str.lower) and vendors[0] != vendors[-1]

    page.select_option("#f-vendor", "AMD")
    shown = page.locator("#chips tbody tr:not([hidden])")
    n_amd = sum(a.vendor == "AMD" for a in db)
    assert shown.count() == n_amd and set(shown.evaluate_all("rs => rs.map(r => r.dataset.vendor)")) == {"AMD"}
    assert page.inner_text("#count") == f"{n_amd} of {len(db)} accelerators"
    page.select_option("#f-status", "controlled")
    assert set(shown.evaluate_all("rs => rs.map(r => r.dataset.status)")) == {"controlled"}
    page.select_option("#f-vendor", "")
    page.select_option("#f-status", "")
    page.focus("#f-text")
    page.keyboard.type("h20")
    names = shown.evaluate_all("rs => rs.map(r => r.cells[0].textContent)")
    assert names and all("H20" in n for n in names)
    assert watch.errors == []
    assert all(u.startswith("file://") for u in watch.urls) and len(watch.urls) >= 3  # page, css, js
    page.close()


def test_chip_page_shows_its_sources_and_prints(browser, site, db, shots):
    page, watch = _open(browser, site, "chips/nvidia-h20.html")
    h20 = db.get("nvidia-h20")
    sources = page.locator("#inputs table tbody tr")
    assert sources.count() >= 8
    for s in h20.sources.values():
        if s.url:
            assert page.locator(f'#sources a[href="{s.url}"]').is_visible()
    assert page.locator("#inputs").get_by_text("retrieved").count() >= 1
    assert page.locator("#rule-3a090-2023 table").get_by_text("3A090.b.1: TPP 2,368 >= 2,400? no").is_visible()
    page.screenshot(path=str(shots / "site-chip.png"))
    page.emulate_media(media="print")
    assert page.locator("nav.toc").is_hidden() and page.locator("#inputs table").is_visible()
    assert watch.errors == [] and all(u.startswith("file://") for u in watch.urls)
    page.close()


def test_licence_map_cells_carry_text(browser, site, db, shots):
    page, watch = _open(browser, site, "licences.html")
    cells = page.locator("#licence-map a.lic")
    texts = cells.evaluate_all("cs => cs.map(c => c.innerText.trim())")
    assert len(texts) == len(db) * 12 and all(len(t.splitlines()) >= 2 for t in texts)
    page.screenshot(path=str(shots / "site-licences.png"))
    cells.first.click()
    assert page.url.endswith("#licence-CN") and page.locator("#licence-CN").is_visible()
    assert watch.errors == []
    page.close()


@pytest.mark.parametrize("rel", ["index.html", "chips/nvidia-h20.html", "licences.html", "rules.html"])
def test_phone_width_layout_does_not_overflow(browser, site, shots, rel):
    page, watch = _open(browser, site, rel, width=375, height=812)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{rel} is {overflow}px wider than a 375px screen"
    assert page.locator("h1").bounding_box()["width"] <= 375
    if rel == "index.html":
        page.screenshot(path=str(shots / "site-phone.png"))
    if rel.startswith("chips/"):  # the inputs table becomes one card per number: nothing to scroll sideways
        assert page.locator("#inputs table").bounding_box()["width"] <= 375
        assert page.locator("#inputs table thead").is_hidden()
    assert watch.errors == []
    page.close()
