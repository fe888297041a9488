"""Ranking: the brand-theme classifier, trend signals, rising topics and content angles.

Importing this package is cheap. Only :mod:`.classifier` (and :mod:`.training`, which uses
it) imports scikit-learn (~110 MB, ~0.75 s): the other modules — text normalising,
signals, rising topics, angles, model files — are safe for the web page and the digest.
"""
