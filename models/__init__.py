"""Model assets that ship with trendwatch, installed as the package ``trendwatch_models``.

``seeds.toml`` holds the default seed texts for the starter config's themes and the generic
off-brand seeds; ``README.md`` is the model card. Trained models are not kept here: they are
written next to the database (see ``trendwatch/ranking/persist.py``).
"""
