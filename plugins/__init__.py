"""trendwatch's built-in plugins.

Installed as the package ``trendwatch_plugins`` and loaded through the ``trendwatch``
entry-point group, exactly like a third-party plugin: each module here is a reference
example of the public API in :mod:`trendwatch.api`.
"""
