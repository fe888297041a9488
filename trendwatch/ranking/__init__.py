"""Ranking: the brand-theme classifier, trend signals, rising topics and content angles.

Importing this package is cheap. Only the classifier's modules (:mod:`.features`,
:mod:`.classifier`, :mod:`.trainset`, :mod:`.fitting`, and :mod:`.training`, which uses them)
import scikit-learn (~110 MB, ~0.75 s): the other modules — text normalising, signals,
rising topics, angles, model files, :mod:`.evaluation`, :mod:`.train_params` — are safe for
the web page and the digest.
"""
