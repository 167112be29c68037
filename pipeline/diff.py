"""`curate diff vA vB`: what changed between two versions.

Documents are matched by id. Within a changed document, records are matched by
content and position: identical records pair up first (difflib's longest
matching blocks, so order is kept); in the stretches between them a removed and
an added record whose words are similar enough pair up as one changed record,
shown with a word-level diff. So an edited paragraph is "changed", not
"removed" plus "added".
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Iterator

from pipeline import reading
from pipeline.report import excerpt

SIMILAR = 0.5  # word-level similarity from which two records are one record changed
FIELDS = ("title", "subtitle", "language", "published", "tags", "authors", "source",
          "source_file", "source_sha256", "encoding", "counts")
WORD_RE = re.compile(r"\S+|\s+")


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, words(a), words(b), autojunk=False).ratio()


def word_diff(a: str, b: str) -> list[dict]:
    """[{"op": "equal"|"delete"|"insert", "text": ...}], word by word."""
    wa, wb = words(a), words(b)
    out: list[dict] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append({"op": "equal", "text": "".join(wa[i1:i2])})
        else:
            if i2 > i1:
                out.append({"op": "delete", "text": "".join(wa[i1:i2])})
            if j2 > j1:
                out.append({"op": "insert", "text": "".join(wb[j1:j2])})
    return out


def _key(r: dict) -> tuple:
    return (r["kind"], r["text"], r["attribution"], r["attribution_date"])


def match_records(old: list[dict], new: list[dict]) -> dict:
    """Records added, removed and changed between two versions of a document."""
    added, removed, changed = [], [], []
    sm = difflib.SequenceMatcher(None, [_key(r) for r in old], [_key(r) for r in new], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        olds, news = old[i1:i2], new[j1:j2]
        used = [False] * len(news)
        nxt = 0  # pairs keep their order: a later old record pairs with a later new one
        for o in olds:
            best, best_j = SIMILAR, None
            for j in range(nxt, len(news)):
                s = similarity(o["text"], news[j]["text"])
                if s >= best and not used[j]:
                    best, best_j = s, j
                    if s == 1.0:
                        break
            if best_j is None:
                removed.append(o)
                continue
            used[best_j] = True
            for j in range(nxt, best_j):
                if not used[j]:
                    added.append(news[j])
                    used[j] = True
            nxt = best_j + 1
            n = news[best_j]
            changed.append({
                "from": o["id"], "to": n["id"], "kind": n["kind"], "old_kind": o["kind"],
                "words": word_diff(o["text"], n["text"]),
                "attribution": None if o["attribution"] == n["attribution"] else
                {"from": o["attribution"], "to": n["attribution"]},
            })
        added.extend(n for j, n in enumerate(news) if not used[j])
    added.sort(key=lambda r: r["seq"])
    removed.sort(key=lambda r: r["seq"])
    return {"records_added": added, "records_removed": removed, "records_changed": changed}


def compare(old_dir: Path | None, new_dir: Path) -> dict:
    old_docs = reading.documents(old_dir) if old_dir else {}
    new_docs = reading.documents(new_dir)
    old_recs = reading.records_by_doc(old_dir) if old_dir else {}
    new_recs = reading.records_by_doc(new_dir)
    changed = []
    for doc_id in sorted(old_docs.keys() & new_docs.keys()):
        a, b = old_docs[doc_id], new_docs[doc_id]
        if a == b:
            continue
        fields = {k: {"from": a.get(k), "to": b.get(k)} for k in FIELDS if a.get(k) != b.get(k)}
        recs = match_records(old_recs.get(doc_id, []), new_recs.get(doc_id, []))
        changed.append({"id": doc_id, "fields": fields, **recs})
    added = sorted(new_docs.keys() - old_docs.keys())
    removed = sorted(old_docs.keys() - new_docs.keys())
    return {
        "from": old_dir.name if old_dir else None,
        "to": new_dir.name,
        "documents_added": added,
        "documents_removed": removed,
        "documents_changed": changed,
        "summary": {
            "documents_added": len(added),
            "documents_removed": len(removed),
            "documents_changed": len(changed),
            "documents_unchanged": len(old_docs.keys() & new_docs.keys()) - len(changed),
            "records_added": sum(len(c["records_added"]) for c in changed) + sum(len(new_recs.get(i, [])) for i in added),
            "records_removed": sum(len(c["records_removed"]) for c in changed) + sum(len(old_recs.get(i, [])) for i in removed),
            "records_changed": sum(len(c["records_changed"]) for c in changed),
        },
    }


def render(d: dict, colour: bool = False) -> Iterator[str]:
    red = (lambda s: f"\033[31m{s}\033[0m") if colour else (lambda s: s)
    green = (lambda s: f"\033[32m{s}\033[0m") if colour else (lambda s: s)
    yield f"diff {d['from'] or '(nothing)'} -> {d['to']}"
    for doc_id in d["documents_added"]:
        yield green(f"+ {doc_id}  (document added)")
    for doc_id in d["documents_removed"]:
        yield red(f"- {doc_id}  (document removed)")
    for c in d["documents_changed"]:
        yield f"~ {c['id']}  (document changed)"
        for k, v in c["fields"].items():
            yield f"    {k}: {v['from']!r} -> {v['to']!r}"
        for r in c["records_removed"]:
            yield red(f"    - record {r['id']} {r['kind']}: {excerpt(r['text'], 120)}")
        for r in c["records_added"]:
            yield green(f"    + record {r['id']} {r['kind']}: {excerpt(r['text'], 120)}")
        for r in c["records_changed"]:
            parts = []
            for w in r["words"]:
                if w["op"] == "equal":
                    t = w["text"]
                    parts.append(t if len(t) <= 60 else t[:25] + " … " + t[-25:])
                elif w["op"] == "delete":
                    parts.append(red(f"[-{w['text']}-]"))
                else:
                    parts.append(green(f"{{+{w['text']}+}}"))
            yield f"    ~ record {r['from']} -> {r['to']} {r['kind']}: " + "".join(parts).replace("\n", "⏎")
    s = d["summary"]
    yield (f"{s['documents_added']} added, {s['documents_removed']} removed, {s['documents_changed']} changed, "
           f"{s['documents_unchanged']} unchanged documents; records: {s['records_added']} added, "
           f"{s['records_removed']} removed, {s['records_changed']} changed")
