"""What every REST endpoint shares (the endpoints themselves live in each app's ``api.py``).

- ``api.errors``: the error body and the exception handler;
- ``api.formats``: decimals in and out, pagination, CSV/XLSX exports, the base view mixin;
- ``api.cache``: cache generations, and cached responses with ETag / Last-Modified;
- ``api.schema``: the OpenAPI conventions (error responses, export formats, conditional requests).

``errors``, ``formats`` and ``cache`` import nothing from DRF's views, so DRF's settings can name them
and ``plans.services`` can call ``api.cache.invalidate_api_cache`` without an import cycle.
"""
