"""plotly.js is ours: the npm registry's partial "cartesian" bundle of the version the pinned plotly
package writes figures for, checked by its checksum, served from our static files; every trace type the
pages draw is in it. No page refers to any other host for a script, a style or a font."""

import hashlib
import json
import re
from pathlib import Path

import plotly.offline
import pytest
from django.contrib.staticfiles import finders

from dashboards import vendor, views

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r'<script type="application/json" id="([^"]+)"[^>]*>(.*?)</script>', re.S)


def test_vendored_plotly_js_is_the_pinned_cartesian_bundle():
    assert (
        views.PLOTLY_JS == vendor.PLOTLY_JS == f"dashboards/vendor/plotly-cartesian-{vendor.VERSION}.min.js"
    )
    # The figures plotly.py writes are for this plotly.js: upgrading plotly means re-vendoring.
    assert plotly.offline.get_plotlyjs_version() == vendor.VERSION
    path = finders.find(views.PLOTLY_JS)
    assert path, f"vendor {vendor.PACKAGE}@{vendor.VERSION} (see dashboards/vendor.py)"
    content = Path(path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == vendor.SHA256
    header = content[:200].decode("utf-8", errors="replace")
    assert re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", header).group(1) == vendor.VERSION
    assert len(content) < 2_000_000  # the full bundle is 4.8 MB


def test_only_one_plotly_bundle_is_kept():
    directory = Path(finders.find(views.PLOTLY_JS)).parent
    assert [p.name for p in directory.iterdir()] == [Path(views.PLOTLY_JS).name]


def test_every_trace_the_pages_draw_is_in_the_bundle(client, yuxi, add_actuals):
    add_actuals(yuxi, {"gdp-incl-tobacco": {2021: 560, 2022: 580}})
    pages = [
        "/dashboards/parks/yuxi-hitech/",
        "/dashboards/parks/yuxi-hitech/?plan=yuxi-13th-fyp",
        "/dashboards/parks/yuxi-hitech/heatmap/",
        "/dashboards/parks/yuxi-hitech/plans/yuxi-14th-fyp/indicators/1/",
        "/dashboards/compare/?indicator=gdp-incl-tobacco",
        "/dashboards/regions/?province=云南省",
    ]
    drawn = set()
    for url in pages:
        html = client.get(url).content.decode()
        for _id, text in FIGURE.findall(html):
            figure = json.loads(text)
            if isinstance(figure, dict) and "data" in figure:
                drawn |= {trace.get("type", "scatter") for trace in figure["data"]}
    assert {"scatter", "bar", "heatmap"} <= drawn
    assert drawn <= vendor.TRACES


def test_static_files_are_compressed_and_cached_for_ever():
    # Outside the tests: hashed names (a new file gets a new name) let WhiteNoise send far-future cache
    # headers, and it serves the .gz / .br files collectstatic writes.
    from config.settings import base

    assert (
        base.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/dashboards/",
        "/dashboards/parks/yuxi-hitech/",
        "/dashboards/parks/yuxi-hitech/heatmap/",
        "/dashboards/parks/yuxi-hitech/plans/yuxi-13th-fyp/indicators/1/",
        "/dashboards/compare/",
        "/dashboards/regions/",
    ],
)
def test_pages_load_scripts_styles_and_fonts_from_this_site_only(client, yuxi, url):
    html = client.get(url).content.decode()
    sources = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") for s in sources), sources
    assert "@import" not in html and "fonts.googleapis" not in html
    # No inline script: figures travel as JSON data; a CSP allowing only 'self' scripts will do.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in scripts), scripts
    if "data-chart=" in html:
        assert f'/static/{views.PLOTLY_JS}"' in html


def test_dashboard_assets_name_no_remote_host():
    for name in ("dashboards/charts.js", "dashboards/dashboards.css", "dashboards/status.css"):
        text = Path(finders.find(name)).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), name
