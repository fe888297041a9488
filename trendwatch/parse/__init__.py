"""Parsing what sources return: feeds (RSS, Atom, JSON Feed) under a budget, big JSON read
row by row, HTML to plain text, normalised keys and words, and the checks every item passes
before it is stored."""
