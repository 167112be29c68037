"""`curate show ID`: one document's journey, from what its version recorded.

The raw text, then every edit in order (stage, rule, reason, the removed or
changed text with a little context from the text that step saw), then the
resulting fields and records. Context needs the raw file (checked against the
manifest's sha256); without it the edits are shown on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline import reading

CONTEXT = 40
FIELDS = ("title", "subtitle", "language", "language_confidence", "published", "tags", "authors",
          "source", "source_file", "source_sha256", "encoding", "counts")


class DocumentNotFound(Exception):
    pass


def journey(vdir: Path, doc_id: str, raw_dir: Path | None) -> dict:
    """Everything recorded about one document, as one JSON-ready object."""
    entries = reading.report_entries(vdir)
    if doc_id not in entries:
        raise DocumentNotFound(f"no document {doc_id!r} in {vdir}")
    entry = entries[doc_id]
    manifest = reading.manifest(vdir)
    doc = reading.documents(vdir).get(doc_id)
    rej = reading.rejected(vdir).get(doc_id)
    source_file = doc["source_file"] if doc else rej["source_file"] if rej else doc_id + ".txt"
    raw = reading.raw_text(raw_dir, source_file, manifest["inputs"])
    edits = [reading.edit_from_obj(e) for e in entry["edits"]]
    texts = reading.step_texts(raw.text, edits) if raw.text is not None else None
    note = raw.note if raw.text is None or texts is not None else "the edits do not replay on the raw file"
    shown = []
    for obj, e in zip(entry["edits"], edits):
        item = dict(obj)
        if texts is not None:
            text = texts[e.step]
            item["context_before"] = text[max(0, e.start - CONTEXT): e.start]
            item["context_after"] = text[e.end: e.end + CONTEXT]
        shown.append(item)
    return {
        "id": doc_id,
        "version": vdir.name,
        "status": entry["status"],
        "reason": entry["reason"],
        "detail": rej["detail"] if rej else None,
        "raw": {"available": texts is not None, "note": note,
                "text": raw.text if texts is not None else None},
        "edits": shown,
        "fields": {k: doc[k] for k in FIELDS} if doc else None,
        "text": doc["text"] if doc else None,
        "records": reading.records_by_doc(vdir).get(doc_id, []) if doc else [],
    }


class Style:
    """ANSI colours, or nothing."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def _c(self, code: str, s: str) -> str:
        return f"\033[{code}m{s}\033[0m" if self.colour and s else s

    def bold(self, s: str) -> str:
        return self._c("1", s)

    def dim(self, s: str) -> str:
        return self._c("2", s)

    def removed(self, s: str) -> str:
        return self._c("9;31", s)

    def added(self, s: str) -> str:
        return self._c("32", s)

    def head(self, s: str) -> str:
        return self._c("1;36", s)


def visible(s: str) -> str:
    return s.replace("\n", "⏎")


def render(j: dict, colour: bool = False) -> Iterator[str]:
    st = Style(colour)
    status = "kept" if j["status"] == "kept" else f"rejected: {j['reason']} ({j['detail']})"
    yield st.head(f"{j['id']}  ({j['version']}, {status})")
    yield ""
    yield st.bold("Raw text")
    if j["raw"]["available"]:
        for line in j["raw"]["text"].splitlines():
            yield "  " + line
    else:
        yield st.dim(f"  ({j['raw']['note']}: edits are shown without context)")
    yield ""
    yield st.bold(f"Edits ({len(j['edits'])})")
    stage = None
    for e in j["edits"]:
        if e["stage"] != stage:
            stage = e["stage"]
            yield st.head(f"  {stage}")
        score = f"  score {e['score']:.2f}" if e["score"] is not None else ""
        yield f"    {e['rule']}  step {e['step']}  [{e['start']}:{e['end']}]{score}  {st.dim(e['reason'])}"
        if st.colour:
            change = st.removed(visible(e["before"])) + st.added(visible(e["after"]))
        else:
            change = f"[-{visible(e['before'])}-]" + (f"{{+{visible(e['after'])}+}}" if e["after"] else "")
        if "context_before" in e:
            change = st.dim(visible(e["context_before"])) + change + st.dim(visible(e["context_after"]))
        yield f"      {change}"
    if j["fields"] is not None:
        yield ""
        yield st.bold("Fields")
        for k, v in j["fields"].items():
            yield f"  {k}: {v}"
        yield ""
        yield st.bold(f"Records ({len(j['records'])})")
        for r in j["records"]:
            extra = f"  —— {r['attribution']}" if r["attribution"] else ""
            yield f"  #{r['seq']} {r['kind']} [{r['start']}:{r['end']}] {visible(r['text'])}{st.dim(extra)}"
