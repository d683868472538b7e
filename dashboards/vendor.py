"""The plotly.js the dashboards load: the npm registry's partial "cartesian" bundle, vendored.

The full bundle (4.8 MB) spends most of a first visit being parsed; the pages draw only scatter, bar and
heatmap traces, which the cartesian bundle (1.5 MB, 0.5 MB gzipped) has. Its version must be the one
the pinned plotly Python package writes figures for (tests/dashboards/test_static.py checks it, the
checksum, and that every trace type the pages draw is in the bundle).

To update it (after upgrading plotly in requirements.txt)::

    npm pack plotly.js-cartesian-dist-min@<plotly.offline.get_plotlyjs_version()>
    # compare the tarball's sha512 with `npm view plotly.js-cartesian-dist-min@<version> dist.integrity`
    tar xzf plotly.js-cartesian-dist-min-<version>.tgz package/plotly-cartesian.min.js
    cp package/plotly-cartesian.min.js dashboards/static/dashboards/vendor/plotly-cartesian-<version>.min.js

then set VERSION and SHA256 below (``sha256sum`` of the copied file).
"""

PACKAGE = "plotly.js-cartesian-dist-min"
VERSION = "4.1.1"
PLOTLY_JS = f"dashboards/vendor/plotly-cartesian-{VERSION}.min.js"
SHA256 = "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a"
# The npm registry's integrity of the package tarball (``npm view … dist.integrity``), for the record.
NPM_INTEGRITY = (
    "sha512-o8GrFeusncwBIxbBynRJpY4pkgVB6caM+JLpwrLYbbsO7dZ8FJ+SVN2Fr+L7kiG/Z6w4P5O0Jus/Qr5EefHVeg=="
)
# The trace modules the bundle contains (its README), the only types a dashboard figure may use.
TRACES = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    }
)
