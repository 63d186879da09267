"""The API docs page (Swagger UI, from the installation's own static files) under the site's
Content-Security-Policy.

django-ninja's page already keeps its start-up code in a static file and its settings in a JSON
block the browser never runs, so scripts stay 'self' only. Its stylesheet, though, draws the
expand arrows and copy icons as ``data:`` SVG images: this page, and only this page, allows
``data:`` images.
"""

from __future__ import annotations

from csp.decorators import csp_update
from ninja.openapi.docs import Swagger


class LocalSwagger(Swagger):
    """Swagger UI whose response allows ``data:`` images on top of the site's policy."""

    render_page = csp_update({"img-src": ["data:"]})(Swagger.render_page)
