"""Post performance: what sells.

The loop the rest of trendwatch stops short of: a suggestion is accepted, posted, and the
post's numbers come back from the platform's own export. This package

- reads those exports (:mod:`.importers`, :mod:`.tables`; the formats themselves are
  plugins, see the ``register_importers`` hook and ``plugins/*_export.py``),
- stores posts and the history of their numbers (:mod:`.posts`; tables ``posts`` and
  ``post_metrics``),
- links posts to suggestions (:mod:`.links`),
- analyses them with care for small numbers (:mod:`.analysis`),
- feeds the result back into tomorrow's list (:mod:`.sells`) and shows it
  (:mod:`.report`, :mod:`.svg`, the web page and the Monday digest).

Nothing here imports scikit-learn or numpy: the web page and the CLI stay light.
"""
