"""The daily list: built from the scores (``build``), read back (``queries``), rendered for
people (``render``), exported, sent as a digest and through notifiers."""
