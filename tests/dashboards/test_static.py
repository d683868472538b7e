"""plotly.js is ours: copied from the pinned plotly package, same version, served from our static files.
No page refers to any other host for a script, a style or a font."""

import hashlib
import re
from pathlib import Path

import plotly
import plotly.offline
import pytest
from django.contrib.staticfiles import finders

from dashboards import views

pytestmark = pytest.mark.django_db

PACKAGE_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_vendored_plotly_js_is_the_pinned_packages_bundle():
    version = plotly.offline.get_plotlyjs_version()
    assert f"dashboards/vendor/plotly-{version}.min.js" == views.PLOTLY_JS
    path = finders.find(views.PLOTLY_JS)
    assert path, f"copy {PACKAGE_BUNDLE} to dashboards/static/{views.PLOTLY_JS}"
    header = Path(path).read_text(encoding="utf-8", errors="replace")[:200]
    assert re.search(r"plotly\.js v(\S+)", header).group(1) == version
    assert (
        hashlib.sha256(Path(path).read_bytes()).hexdigest()
        == hashlib.sha256(PACKAGE_BUNDLE.read_bytes()).hexdigest()
    )


def test_only_one_plotly_bundle_is_kept():
    vendor = Path(finders.find(views.PLOTLY_JS)).parent
    assert [p.name for p in vendor.iterdir()] == [Path(views.PLOTLY_JS).name]


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
