"""Reading the rows of a big JSON document one at a time, stopping when we have enough.

``json.loads`` builds the whole document: a 20 MB array of a million small objects costs
over a gigabyte of Python objects before the first row is looked at. Feeds and exports
put their rows in one array (the document itself, or under a key such as ``items``), so
we decode the outer shell by hand and each row with ``JSONDecoder.raw_decode``: memory is
one row at a time, and a reader that stops early never decodes the rest.

Numbers are always finite: ``NaN``, ``Infinity`` and ``1e999`` (Python reads them; JSON
does not allow them, and stored they make ``items.extra`` invalid JSON) become ``None``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")


def _finite(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


#: A decoder that never produces a non-finite float.
DECODER = json.JSONDecoder(parse_constant=lambda _name: None, parse_float=_finite)


def loads(text: str | bytes) -> Any:
    """``json.loads`` with :data:`DECODER` (finite numbers only)."""
    if isinstance(text, bytes):
        text = decode(text)
    return DECODER.decode(text)


def decode(body: bytes) -> str:
    """JSON bytes to text: UTF-8 (a BOM allowed), UTF-16 or UTF-32, as ``json.loads``
    detects them; invalid bytes become U+FFFD rather than failing the document."""
    encoding = json.detect_encoding(body)
    if encoding == "utf-8" and body.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    return body.decode(encoding, errors="replace")


class StreamError(ValueError):
    """The document is not JSON where the reader needed it to be."""


@dataclass
class Rows:
    """What :func:`rows` found: the row iterator and the document's other top-level keys
    (only those that come before the rows when the reading stops early)."""

    found: bool = False
    top: dict[str, Any] = field(default_factory=dict)


def _skip_ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _expect(text: str, pos: int, char: str) -> int:
    pos = _skip_ws(text, pos)
    if text[pos:pos + 1] != char:
        got = text[pos:pos + 10] or "the end"
        raise StreamError(f"expected {char!r} at character {pos}, found {got!r}")
    return pos + 1


def iter_rows(text: str, keys: tuple[str, ...], info: Rows) -> Iterator[Any]:
    """Yield the elements of the document's row array, one decoded at a time.

    The row array is the document itself when it is an array, else the value of the first
    of ``keys`` at the top level of an object that holds an array. ``info`` is filled in as
    the reading goes (``found``: a row array was found; ``top``: other top-level values).
    A row that fails to decode ends the reading with :class:`StreamError` (what comes
    after it can't be located without decoding it); rows before it were yielded.
    """
    pos = _skip_ws(text, 0)
    if text[pos:pos + 1] == "[":
        info.found = True
        yield from _array(text, pos)
        return
    if text[pos:pos + 1] != "{":
        raise StreamError("not a JSON object or array")
    pos += 1
    first = True
    while True:
        pos = _skip_ws(text, pos)
        if text[pos:pos + 1] == "}":
            return
        if not first:
            pos = _skip_ws(text, _expect(text, pos, ","))
        first = False
        try:
            key, pos = DECODER.raw_decode(text, pos)
        except ValueError as err:
            raise StreamError(f"bad key: {err}") from None
        if not isinstance(key, str):
            raise StreamError(f"expected a key at character {pos}")
        pos = _skip_ws(text, _expect(text, pos, ":"))
        if key in keys and not info.found and text[pos:pos + 1] == "[":
            info.found = True
            end = yield from _array(text, pos)
            pos = end
            continue
        try:
            value, pos = DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as err:
            raise StreamError(f"value of {key!r}: {err}") from None
        info.top[key] = value


def _array(text: str, pos: int) -> Generator[Any, None, int]:
    """Yield the elements of the array starting at ``text[pos] == "["``; returns the
    position after its ``]``."""
    pos = _skip_ws(text, pos + 1)
    if text[pos:pos + 1] == "]":
        return pos + 1
    while True:
        try:
            value, pos = DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as err:
            raise StreamError(f"element at character {pos}: {err}") from None
        yield value
        pos = _skip_ws(text, pos)
        char = text[pos:pos + 1]
        if char == "]":
            return pos + 1
        if char != ",":
            raise StreamError(f"expected ',' or ']' at character {pos}")
        pos = _skip_ws(text, pos + 1)
