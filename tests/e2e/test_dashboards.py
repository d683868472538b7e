"""The dashboards in headless Chromium: every page type draws its charts (plotly's SVG in each chart
container) with no console error and no request to another host; the language switch, a phone and paper.

Screenshots: test-artifacts/screenshots/dashboards-*.png (and one per test, from the page fixture).
"""

from urllib.parse import urlsplit

import pytest

from dashboards.services import demo_data_create
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

RENDERED = "html[data-charts-rendered='true']"
PAGES = [
    ("index", "/dashboards/"),
    ("overview-14th", "/dashboards/parks/yuxi-hitech/"),
    ("overview-13th", "/dashboards/parks/yuxi-hitech/?plan=yuxi-13th-fyp"),
    ("heatmap", "/dashboards/parks/yuxi-hitech/heatmap/"),
    ("indicator", "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/1/"),
    ("compare", "/dashboards/compare/?indicator=gdp-incl-tobacco&year=2024"),
    ("region", "/dashboards/regions/?province=云南省"),
]


@pytest.fixture
def demo_server(seeded_live_server):
    """The seeded site with synthetic demo data (Yuxi's 2021–2024 and four synthetic parks)."""
    demo_data_create(parks=4)
    return seeded_live_server


def open_page(page, server, path: str, *, charts: bool = True):
    page.goto(server.url + path)
    if charts:
        page.wait_for_selector(RENDERED, timeout=15_000)
    return page


def assert_charts_drawn(page) -> int:
    """Every chart is drawn once scrolled near (charts further down the page are drawn lazily)."""
    plots = page.locator(".chart-plot")
    count = plots.count()
    for i in range(count):
        plot = plots.nth(i)
        plot.scroll_into_view_if_needed()
        page.wait_for_function("el => el.getAttribute('data-rendered') === 'true'", arg=plot.element_handle())
        assert plot.get_attribute("data-rendered") == "true"
        assert plot.locator("svg.main-svg").count() >= 1, plot.get_attribute("data-chart")
    return count


def test_every_dashboard_page_draws_its_charts(demo_server, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    drawn = {}
    for name, path in PAGES:
        open_page(page, demo_server, path, charts=name != "index")
        drawn[name] = assert_charts_drawn(page)
        assert page.locator("h1").first.is_visible()
        screenshot(page, f"dashboards-{name}")
    assert drawn == {
        "index": 0,
        "overview-14th": 3,
        "overview-13th": 2,
        "heatmap": 1,
        "indicator": 2,
        "compare": 2,
        "region": 1,
    }
    assert page.console_errors == []
    hosts = {urlsplit(url).netloc for url in requests if not url.startswith("data:")}
    assert hosts == {urlsplit(demo_server.url).netloc}  # no CDN, no remote font, nothing else
    # Synthetic data is labelled inside the charts themselves (so the PNG carries it too).
    open_page(page, demo_server, "/dashboards/parks/yuxi-hitech/")
    drawn_text = page.locator("#chart-completion .chart-plot").text_content()
    assert "含合成演示数据 / includes synthetic demo data" in drawn_text
    assert page.locator(".cards .card").count() == 9


def test_overview_of_the_14th_plan_without_data_says_so(seeded_live_server, page):
    open_page(page, seeded_live_server, "/dashboards/parks/yuxi-hitech/")
    assert_charts_drawn(page)
    assert page.locator(".notice-nodata").is_visible()
    assert "数据不足" in page.locator(".card[data-status='insufficient_data']").inner_text()
    assert page.locator("#chart-completion").get_by_text("本年度尚无实际值：数据不足").is_visible()
    assert page.console_errors == []
    screenshot(page, "dashboards-overview-14th-no-data")


def test_language_switch_shows_english_labels(seeded_live_server, page):
    open_page(page, seeded_live_server, "/dashboards/parks/yuxi-hitech/?plan=yuxi-13th-fyp")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text().startswith("玉溪高新技术产业开发区")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_selector(RENDERED)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Yuxi National High-tech Industrial Development Zone")
    assert "Gross regional product (incl. tobacco)" in page.locator("#indicators").inner_text()
    assert "Lagging" in page.locator(".card[data-status='lagging']").inner_text()
    assert "Economic development" in page.locator("#chart-categories").inner_text()
    assert "?plan=yuxi-13th-fyp" in page.url  # the shared view is kept
    assert_charts_drawn(page)
    assert page.console_errors == []
    screenshot(page, "dashboards-overview-13th-english")


def test_phone_collapses_the_table_and_resizes_the_charts(demo_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        for name, path in [
            ("overview", "/dashboards/parks/yuxi-hitech/"),
            ("heatmap", PAGES[3][1]),
            ("indicator", PAGES[4][1]),
        ]:
            open_page(page, demo_server, path)
            assert_charts_drawn(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            widths = page.locator(".chart-plot .main-svg").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().width)"
            )
            assert max(widths) <= 390
            screenshot(page, f"dashboards-phone-{name}")
            if name == "overview":
                row = page.locator("#indicators tbody tr").first
                assert row.evaluate("el => getComputedStyle(el).display") == "grid"
                assert (
                    page.locator("#indicators td[data-label='单位']").first.evaluate(
                        "el => getComputedStyle(el, '::before').content"
                    )
                    == '"单位"'
                )
                assert page.locator("#indicators th[aria-sort]").first.is_visible()  # sort links stay
                ticks = page.locator("#chart-completion .ytick text").evaluate_all(
                    "els => els.map(e => e.textContent)"
                )
                assert ticks and max(len(t) for t in ticks) <= 10  # short labels on a phone
        assert errors == []
    finally:
        context.close()


def test_print_layout_and_png_download(demo_server, page):
    open_page(page, demo_server, "/dashboards/parks/yuxi-hitech/?plan=yuxi-14th-fyp&year=2024")
    with page.expect_download() as download:
        page.locator("#chart-completion").hover()
        page.locator("#chart-completion .modebar-btn[data-title='下载图表（PNG）']").click()
    png = download.value
    assert png.suggested_filename == "yuxi-hitech-yuxi-14th-fyp-2024-completion.png"
    with open(png.path(), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    assert page.locator("form.filters").evaluate("el => getComputedStyle(el).display") == "none"
    assert (
        page.locator("#chart-completion .modebar-container").count() == 0
        or page.locator("#chart-completion .modebar-container").evaluate("el => getComputedStyle(el).display")
        == "none"
    )
    assert (
        page.locator("#indicators tbody tr").first.evaluate("el => getComputedStyle(el).display")
        == "table-row"
    )
    assert page.locator(".printed-at").is_visible()
    assert_charts_drawn(page)
    screenshot(page, "dashboards-print-overview")
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
    assert page.console_errors == []


def test_charts_far_below_the_first_screens_are_drawn_when_scrolled_near(demo_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 500})
    page = context.new_page()
    try:
        page.goto(demo_server.url + "/dashboards/parks/yuxi-hitech/")
        page.wait_for_selector(RENDERED, timeout=15_000)  # the first paint: charts within two screens
        plots = page.locator(".chart-plot")
        states = plots.evaluate_all("els => els.map(e => e.getAttribute('data-rendered') === 'true')")
        # The overview's first two charts start about 940 px down (within two 500 px screens): drawn;
        # the last one, some 3,700 px down, waits until it is scrolled near.
        assert states == [True, True, False], states
        assert page.locator("html").get_attribute("data-charts-all-rendered") is None
        plots.last.scroll_into_view_if_needed()
        page.wait_for_selector("html[data-charts-all-rendered='true']", timeout=15_000)
        assert assert_charts_drawn(page) == len(states)
    finally:
        context.close()
