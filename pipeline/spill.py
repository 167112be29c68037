"""Lists that grow with the corpus, kept on disk instead of in memory, and
JSON written with such lists streamed into it.

A run writes a few lists with one entry per input or per document (the
manifest's inputs, the report's changed ids). ``SpillList`` appends them, as
JSON lines, to an anonymous temporary file (nothing to clean up, nothing
that could end up in a version), and reads them back in order. ``dump``
writes an object holding SpillLists exactly as ``json.dumps`` would write it
holding plain lists, byte for byte (tests/test_streaming.py).
"""

from __future__ import annotations

import json
import os
import tempfile
from itertools import islice, repeat
from typing import IO, Iterator


WRITE_BATCH = 1 << 20  # characters of FlatDicts lines formatted at once (FlatDicts.write_json)

class SpillList:
    """An append-only list of JSON values on disk."""

    def __init__(self, directory: str | os.PathLike | None = None) -> None:
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", dir=directory)
        self._len = 0

    def append(self, value) -> None:
        # a str (an id: most lists) without an encoder built per call
        self._file.write((_encode(value) if type(value) is str else json.dumps(value, ensure_ascii=False)) + "\n")
        self._len += 1

    def texts(self) -> Iterator[str]:
        """Each value's JSON text, as appended."""
        self._file.flush()
        with open(self._file.fileno(), encoding="utf-8", closefd=False) as f:
            f.seek(0)
            for line in f:
                yield line[:-1]

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator:
        self._file.flush()
        with open(self._file.fileno(), encoding="utf-8", closefd=False) as f:
            f.seek(0)
            for line in f:
                yield json.loads(line)

    def __getitem__(self, i: slice) -> list:
        """A slice, read from the start (for the first few items)."""
        if not isinstance(i, slice) or (i.start or 0) < 0 or (i.stop is not None and i.stop < 0):
            raise TypeError("a SpillList is read from the start: only [a:b] with a, b >= 0")
        return list(islice(iter(self), i.start, i.stop, i.step))

    def __eq__(self, other) -> bool:
        try:
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        except TypeError:
            return NotImplemented

    __hash__ = None  # mutable

    def close(self) -> None:
        self._file.close()


_encode = json.encoder.encode_basestring  # a str as json.dumps(ensure_ascii=False) writes it


def _scalar(v) -> str:
    """A str, int or None as json.dumps writes it."""
    t = type(v)
    if t is str:
        return _encode(v)
    if t is int:
        return int.__repr__(v)
    return json.dumps(v)


def flat_line(*values) -> str:
    """An item of a FlatDicts as it keeps it: its values' JSON, tab-separated, with a newline."""
    return "\t".join(map(_scalar, values)) + "\n"


class FlatDicts(SpillList):
    """A SpillList of dicts with the same keys whose values are scalars (the
    manifest's inputs, one per input): each is kept as its values' JSON,
    tab-separated (a JSON string holds no raw tab), and ``dump`` writes it
    without building the dict, as json.dumps would (tests/test_streaming.py)."""

    def __init__(self, keys: tuple[str, ...], directory: str | os.PathLike | None = None) -> None:
        super().__init__(directory)
        self.keys = keys
        self._names = [_encode(k) for k in keys]

    def append(self, value: dict) -> None:
        if list(value) != list(self.keys):
            raise ValueError(f"a FlatDicts item has the keys {self.keys}")
        self.append_values(*value.values())

    def append_values(self, *values) -> None:
        self._file.write(flat_line(*values))
        self._len += 1

    def extend_lines(self, lines: list[str]) -> None:
        """Items as ``lines`` gives them back (their values' JSON, tab-separated, with a newline)."""
        self._file.write("".join(lines))  # (writelines encodes them one by one)
        self._len += len(lines)

    def lines(self) -> Iterator[str]:
        """Each item's values as JSON texts, tab-separated, with a newline."""
        self._file.flush()
        with open(self._file.fileno(), encoding="utf-8", closefd=False) as f:
            f.seek(0)
            yield from f

    def encoded(self) -> Iterator[list[str]]:
        """Each item's values as JSON texts."""
        for line in self.lines():
            yield line[:-1].split("\t")

    def __iter__(self) -> Iterator:
        for values in self.encoded():
            yield json.loads("{" + ",".join(f"{k}:{v}" for k, v in zip(self._names, values)) + "}")

    def write_json(self, out: IO[str], comma: str, colon: str, indent: int | None, level: int) -> None:
        """The list as _write_list writes it."""
        if indent is None:
            first, between, last = "[", comma, "]"
            open_, key_sep, close = "{", comma, "}"
        else:
            pad = " " * (level + indent)
            first, between, last = "[\n" + pad, ",\n" + pad, "\n" + " " * level + "]"
            open_, key_sep, close = "{\n" + pad + " " * indent, ",\n" + pad + " " * indent, "\n" + pad + "}"
        names = [k + colon for k in self._names]
        # One %-format of a batch of lines (an entry's text repeated, each value
        # a %s) instead of a join and a write per entry: ~18 -> ~8 ms for the
        # 20,000 entries of a manifest's inputs.

        def literal(text: str) -> str:  # (as a %-format's text: its own % doubled)
            return text.replace("%", "%%")
        entry = literal(between + open_) + literal(key_sep).join(literal(name) + "%s" for name in names) + literal(close)
        out.write(first)
        skip = len(between)  # (the first entry has none before it)
        for lines in self.batches():
            values = "".join(lines).replace("\n", "\t").split("\t")[:-1]
            if len(values) == len(names) * len(lines) and set(map(str.count, lines, repeat("\t"))) == {len(names) - 1}:
                text = (entry * len(lines)) % tuple(values)
            else:  # (a line of other values than keys, not append_values': as the join below writes it)
                text = "".join(between + open_ + key_sep.join(map(str.__add__, names, line[:-1].split("\t"))) + close
                               for line in lines)
            out.write(text[skip:])
            skip = 0
        out.write(last)

    def batches(self) -> Iterator[list[str]]:
        """The lines of ``lines``, about WRITE_BATCH characters at a time."""
        self._file.flush()
        with open(self._file.fileno(), encoding="utf-8", closefd=False) as f:
            f.seek(0)
            while batch := f.readlines(WRITE_BATCH):
                yield batch


def emptied(obj):
    """obj with every SpillList replaced by [] (to validate the rest)."""
    if isinstance(obj, SpillList):
        return []
    if isinstance(obj, dict):
        return {k: emptied(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [emptied(v) for v in obj]
    return obj


def dump(obj, out: IO[str], close: bool = True, **options) -> None:
    """``out.write(json.dumps(obj, ensure_ascii=False, **options))`` for an
    object whose dicts may hold SpillLists, without building the lists.
    ``options``: ``separators`` or ``indent``, as json.dumps takes them;
    ``close=False`` leaves out the closing bracket, and the line break
    before it (to write more members)."""
    marker = os.urandom(16).hex()  # (uuid.uuid4's randomness, without importing uuid: ~1.5 ms a run)
    spilled: dict[str, SpillList] = {}

    def substitute(o):
        if isinstance(o, SpillList):
            token = f"\x00{marker}:{len(spilled)}\x00"
            spilled[json.dumps(token)] = o
            return token
        if isinstance(o, dict):
            return {k: substitute(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [substitute(v) for v in o]
        return o

    text = json.dumps(substitute(obj), ensure_ascii=False, **options)
    indent = options.get("indent")
    sep = options.get("separators") or ((",", ": ") if indent is not None else (", ", ": "))
    for token, items in spilled.items():
        at = text.index(token)
        out.write(text[:at])
        line_start = text.rfind("\n", 0, at) + 1
        level = len(text[line_start:]) - len(text[line_start:].lstrip(" "))
        _write_list(out, items, options, sep[0], indent, level)
        text = text[at + len(token):]
    out.write(text if close else text[:-1].rstrip("\n"))


def _write_list(out: IO[str], items: SpillList, options: dict, comma: str, indent, level: int) -> None:
    if len(items) == 0:
        out.write("[]")
        return
    if isinstance(items, FlatDicts) and items.keys:
        colon = options.get("separators", (None, ": "))[1]
        items.write_json(out, comma, colon, indent, level)
        return
    if indent is None:
        out.write("[")
        for i, text in enumerate(_item_texts(items, options)):
            out.write((comma if i else "") + text)
        out.write("]")
        return
    pad = " " * (level + indent)
    out.write("[")
    for i, text in enumerate(_item_texts(items, options)):
        out.write(("," if i else "") + "\n" + pad + text.replace("\n", "\n" + pad))
    out.write("\n" + " " * level + "]")


def _item_texts(items: SpillList, options: dict) -> Iterator[str]:
    """json.dumps(item, ensure_ascii=False, **options) of each item: a scalar's
    text as appended (options change only how arrays and objects are laid out)."""
    for text in items.texts():
        yield text if text[0] not in "[{" else json.dumps(json.loads(text), ensure_ascii=False, **options)
