"""Turning feed HTML into plain text: what every item's title and summary go through."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "iframe", "object", "template", "svg"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
          "blockquote", "section", "article", "figure", "figcaption", "table"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_TAG_LIKE = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>")


def plain_text(value: str | None, limit: int = 4000) -> str:
    """HTML or text in, one line of plain text out (entities decoded, tags dropped).

    Feed text is never trusted: what comes out is still untrusted text and must be escaped
    on every output, but no markup survives to be mistaken for ours.
    """
    if not value:
        return ""
    if "<" in value or "&" in value:
        parser = _TextExtractor()
        try:
            parser.feed(value)
            parser.close()
            # convert_charrefs already decoded entities once; no second html.unescape, which
            # would turn "&lt;script&gt;" written as text back into a live tag
            value = "".join(parser.parts)
        except Exception:  # HTMLParser is lenient, but never let a feed crash us
            value = html.unescape(value)
        # Escaped markup ("&lt;img onerror=...&gt;", common in double-escaped feeds) decodes
        # to text that looks like a tag: drop it too, so no tag of any kind is stored.
        value = _TAG_LIKE.sub(" ", value)
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)
    value = re.sub(r"\s+", " ", value).strip()
    return value[:limit]
