"""Items: storing what a source returned (deduplicated, linked to stories) and how fresh an
item is."""
