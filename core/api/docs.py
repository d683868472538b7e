"""The API documentation pages, with every asset from our own static files and nothing inline to run.

drf-spectacular-sidecar provides Swagger UI and ReDoc. Our CSP runs scripts from our own origin only
(``script-src 'self'``), so the pages carry no inline script: Swagger UI is started by
``core/static/core/swagger-ui-init.js``, which reads the schema's address, Swagger UI's settings and the
CSRF header from the page's data attributes. drf-spectacular's own ReDoc page also links Google Fonts,
which government intranets cannot reach, so ReDoc is rendered here without them (the page falls back
to the system fonts); ReDoc's sidebar draws Redocly's logo from cdn.redoc.ly, which
``core/static/core/redoc-same-origin.js`` keeps it from loading. The pages ask for nothing from another
origin.
"""

import json

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.templatetags.static import static
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

SWAGGER_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <title>{{ title|default:"Swagger" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="{{ favicon_href }}">
    <link rel="stylesheet" href="{{ swagger_ui_css }}">
    <style>
      html { box-sizing: border-box; overflow-y: scroll; }
      *, *:after, *:before { box-sizing: inherit; }
      body { background: #fafafa; margin: 0; }
    </style>
  </head>
  <body>
    <div id="swagger-ui" data-schema-url="{{ schema_url }}" data-settings="{{ settings }}"
         data-csrf-header="{{ csrf_header_name }}" data-csrf-token="{{ csrf_token }}"></div>
    <script src="{{ swagger_ui_bundle }}"></script>
    <script src="{{ swagger_ui_standalone }}"></script>
    <script src="{{ swagger_ui_init }}"></script>
  </body>
</html>
"""

REDOC_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <title>{{ title|default:"Redoc" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="{{ favicon_href }}">
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="{{ schema_url }}"></redoc>
    <script src="{{ same_origin_images }}"></script>
    <script src="{{ redoc_standalone }}"></script>
  </body>
</html>
"""


class LocalSwaggerView(SpectacularSwaggerView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        settings = spectacular_settings.SWAGGER_UI_SETTINGS
        template = engines["django"].from_string(SWAGGER_PAGE)
        context = {
            "title": self.title,
            "favicon_href": self._swagger_ui_favicon(),
            "swagger_ui_css": self._swagger_ui_resource("swagger-ui.css"),
            "swagger_ui_bundle": self._swagger_ui_resource("swagger-ui-bundle.js"),
            "swagger_ui_standalone": self._swagger_ui_resource("swagger-ui-standalone-preset.js"),
            "swagger_ui_init": static("core/swagger-ui-init.js"),
            "schema_url": self._get_schema_url(request),
            # Settings as JSON only: a string of JS (which drf-spectacular would inline) cannot run here.
            "settings": json.dumps(settings if isinstance(settings, dict) else {}),
            "csrf_header_name": self._get_csrf_header_name(),
            "csrf_token": get_token(request),
        }
        return HttpResponse(template.render(context, request))


class LocalRedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        template = engines["django"].from_string(REDOC_PAGE)
        context = {
            "title": self.title,
            "favicon_href": LocalSwaggerView._swagger_ui_favicon(),
            "redoc_standalone": self._redoc_standalone(),
            "same_origin_images": static("core/redoc-same-origin.js"),
            "schema_url": self._get_schema_url(request),
        }
        return HttpResponse(template.render(context, request))
