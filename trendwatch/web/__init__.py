"""The web page (``trendwatch serve``): the specialist's main interface.

``create_app(store_path, config)`` builds the Flask app; ``trendwatch serve`` runs it under
waitress. See ``app.py`` for how it is built, the ``*_page.py`` modules for the pages, and
``security.py`` for what keeps them safe.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
