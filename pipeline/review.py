"""`curate review`: a static HTML review site for one version.

No server and no network: CSS, JS and the SVG charts are inline. The index
holds the corpus summary, a chart of characters kept per document, a chart of
characters removed by rule and a sortable table of documents; each document
has a page with the raw text beside the clean text, every removed span
highlighted in its rule's colour with the rule and reason on hover.

Everything comes from the version's files; the raw column is the raw file
(checked against the manifest's sha256) with the recorded edits replayed onto
it step by step. All document text is escaped: it is untrusted web text.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path

from pipeline import reading
from pipeline.config import Config
from pipeline.document import Edit
from pipeline.to_review import thresholds

REVIEW_MARGIN = 0.1  # default: an edit whose score is this close to its threshold is "to review"
MAX_CHART_DOCS = 400
BADGE = ' <span class="badge">to review</span>'


def page_name(doc_id: str) -> str:
    """A file name for a document's page that cannot leave the output directory."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", doc_id).strip("_")[:60] or "doc"
    return f"{slug}-{hashlib.sha256(doc_id.encode('utf-8')).hexdigest()[:10]}.html"


# Light, well-separated background colours (text stays readable on them);
# the rules that remove most get the first ones.
PALETTE = (
    (0xff, 0xb3, 0xba), (0xba, 0xe1, 0xff), (0xba, 0xff, 0xc9), (0xff, 0xdf, 0xba), (0xe0, 0xbb, 0xff),
    (0xff, 0xff, 0xa8), (0xb3, 0xf0, 0xf0), (0xf7, 0xc6, 0xe0), (0xd4, 0xf0, 0xa0), (0xc9, 0xc9, 0xff),
    (0xff, 0xc8, 0x90), (0xa8, 0xe6, 0xcf), (0xf0, 0xb3, 0xff), (0xe6, 0xe6, 0xa1), (0x9f, 0xd3, 0xf5),
    (0xf5, 0xde, 0xb3), (0xd9, 0xb3, 0xff), (0xb3, 0xff, 0xec), (0xff, 0xd6, 0xd6), (0xc2, 0xd6, 0xa3),
)


def rule_colour(index: int) -> tuple[int, int, int]:
    """The background colour of the index-th rule."""
    if index < len(PALETTE):
        return PALETTE[index]
    r, g, b = colorsys.hls_to_rgb((index * 137.508) % 360 / 360, 0.80 if index % 2 else 0.72, 0.85)
    return round(r * 255), round(g * 255), round(b * 255)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def near_threshold(score: float | None, threshold: float | None, margin: float = REVIEW_MARGIN) -> bool:
    return score is not None and threshold is not None and abs(score - threshold) <= margin


def review_thresholds(config: dict) -> dict[str, float]:
    """Stage name -> the score at which its decision flips, for the config a
    version was made with (see pipeline.to_review.thresholds)."""
    known = set(Config.__dataclass_fields__)
    try:
        cfg = Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.items() if k in known})
    except (TypeError, ValueError):  # a config this code cannot read: only what it says outright
        return {"clutter": config["clutter_threshold"]} if "clutter_threshold" in config else {}
    return thresholds(cfg)


# --- the raw text with the edits laid over it ---------------------------------

@dataclass
class Piece:
    text: str
    kind: str  # "keep" (raw text still there), "del" (removed), "ins" (inserted by an edit)
    edit: int | None  # index of the edit in the document's log


def overlay(raw: str, edits: list[Edit]) -> list[Piece]:
    """The raw text cut into pieces kept, removed and inserted, by replaying the
    edit log step by step (spans of a step index the text that step saw)."""
    pieces = [Piece(raw, "keep", None)] if raw else []
    i = 0
    while i < len(edits):
        j = i
        while j < len(edits) and edits[j].step == edits[i].step:
            j += 1
        pieces = _apply_step(pieces, list(enumerate(edits))[i:j])
        i = j
    return _merge(pieces)


def _apply_step(pieces: list[Piece], step: list[tuple[int, Edit]]) -> list[Piece]:
    cuts = sorted({p for _, e in step for p in (e.start, e.end)})
    split: list[Piece] = []
    pos = 0
    for p in pieces:
        if p.kind == "del":
            split.append(p)
            continue
        a, b = pos, pos + len(p.text)
        prev = a
        for c in [c for c in cuts if a < c < b] + [b]:
            split.append(Piece(p.text[prev - a: c - a], p.kind, p.edit))
            prev = c
        pos = b
    out: list[Piece] = []
    pos, k = 0, 0

    def flush(upto: int) -> None:
        nonlocal k
        while k < len(step) and step[k][1].end <= upto:
            idx, e = step[k]
            if e.after:
                out.append(Piece(e.after, "ins", idx))
            k += 1

    for p in split:
        if p.kind == "del":
            out.append(p)
            continue
        flush(pos)
        if k < len(step) and step[k][1].start <= pos < step[k][1].end:
            if p.kind == "keep":  # text an earlier step inserted and this one removes is not in raw
                out.append(Piece(p.text, "del", step[k][0]))
        else:
            out.append(p)
        pos += len(p.text)
    flush(pos)
    while k < len(step):  # spans past the end cannot happen for valid logs; keep their insertions
        if step[k][1].after:
            out.append(Piece(step[k][1].after, "ins", step[k][0]))
        k += 1
    return out


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if not p.text:
            continue
        if out and out[-1].kind == p.kind and out[-1].edit == p.edit:
            out[-1] = Piece(out[-1].text + p.text, p.kind, p.edit)
        else:
            out.append(p)
    return out


# --- HTML ------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:16px 24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:20px 0 8px}
a{color:#1f5fbf}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d9dde3;padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th.sortable{cursor:pointer;user-select:none;background:#eef1f5}
th.sortable:after{content:" \\2195";color:#8a93a3}
.summary td:first-child{color:#566}
.charts{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
.chart{background:#fff;border:1px solid #d9dde3;padding:8px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.text{white-space:pre-wrap;word-wrap:break-word;background:#fff;border:1px solid #d9dde3;padding:10px;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace}
del.rm{text-decoration:line-through;text-decoration-color:rgba(0,0,0,.35)}
ins.add{text-decoration:underline;outline:1px dotted #555}
.review{outline:2px dashed #c0392b;outline-offset:1px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;background:#c0392b;color:#fff;font-size:11px}
.swatch{display:inline-block;width:12px;height:12px;border:1px solid #999;vertical-align:middle;margin-right:4px}
.note{color:#8a4b00}
.muted{color:#6b7280}
"""

SORT_JS = r"""
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th.sortable").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var desc = th.getAttribute("aria-sort") !== "descending";
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return desc ? -c : c;
      });
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
var m = /^#sort=(\d+)(-asc)?$/.exec(location.hash);  // a link can ask for an order
if (m) {
  var th = document.querySelectorAll("#documents th.sortable")[+m[1]];
  if (th) { if (m[2]) th.setAttribute("aria-sort", "descending"); th.click(); }
}
document.body.setAttribute("data-ready", "1");
"""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n"
            f"<script>{SORT_JS}</script>\n</body></html>\n")


@dataclass
class Site:
    vdir: Path
    raw_dir: Path | None

    def __post_init__(self) -> None:
        self.manifest = reading.manifest(self.vdir)
        rep = reading.report(self.vdir)
        self.summary = rep["summary"]
        self.entries = {d["id"]: d for d in rep["documents"]}
        self.docs = reading.documents(self.vdir)
        self.rejected = reading.rejected(self.vdir)
        self.thresholds = review_thresholds(self.manifest["config"])
        self.margin = self.manifest["config"].get("review_margin", REVIEW_MARGIN)
        removed: Counter[str] = Counter()
        for d in self.entries.values():
            for e in d["edits"]:
                removed[e["rule"]] += len(e["before"]) - len(e["after"])
        self.removed_by_rule = removed
        self.rules = sorted(removed, key=lambda r: (-removed[r], r))
        self.colour = {r: rule_colour(i) for i, r in enumerate(self.rules)}

    def rule_class(self, rule: str) -> str:
        return f"r{self.rules.index(rule)}"

    def rule_css(self) -> str:
        return "".join(f".r{i}{{background:{hex_colour(self.colour[r])}}}" for i, r in enumerate(self.rules))

    def is_review(self, e: dict) -> bool:
        return near_threshold(e["score"], self.thresholds.get(e["stage"]), self.margin)

    def review_count(self, entry: dict) -> int:
        return sum(self.is_review(e) for e in entry["edits"])

    # index ------------------------------------------------------------------
    def index(self) -> str:
        s, m = self.summary, self.manifest
        rows = [
            ("version", m["version"]), ("parent", m["parent"] or "none"),
            ("code", f"{m['code_version']['package']} ({m['code_version']['source_sha256'][:12]})"),
            ("config hash", m["config_hash"][:12]), ("documents in", s["documents_in"]), ("kept", s["kept"]),
            ("rejected", s["rejected"]),
            *((f"  rejected {r}", n) for r, n in s["rejected_by_reason"].items()),
            ("records", s["records"]), ("characters in", s["chars_in"]), ("characters out", s["chars_out"]),
            ("characters removed", s["chars_in"] - s["chars_out"]),
        ]
        summary = "".join(f"<tr><td>{escape(str(k))}</td><td class=\"n\">{escape(str(v))}</td></tr>" for k, v in rows)
        body = [f"<h1>Review of {escape(m['version'])}</h1>",
                f"<table class=\"summary\">{summary}</table>",
                "<h2>Charts</h2><div class=\"charts\">",
                f"<div class=\"chart\" id=\"chart-kept\"><div>Characters kept per document</div>{self.kept_chart()}</div>",
                f"<div class=\"chart\" id=\"chart-rules\"><div>Characters removed by rule</div>{self.rules_chart()}</div>",
                "</div>", "<h2>Documents</h2>", self.doc_table()]
        return _page(f"Review {m['version']}", "\n".join(body))

    def _doc_rows(self) -> list[dict]:
        rows = []
        for doc_id, entry in self.entries.items():
            doc = self.docs.get(doc_id)
            raw_chars = doc["counts"]["raw_chars"] if doc else 0
            chars = doc["counts"]["chars"] if doc else 0
            removed = raw_chars - chars if doc else 0
            rows.append({
                "id": doc_id, "title": (doc or {}).get("title") or "",
                "status": entry["status"] if doc else f"rejected: {entry['reason']}",
                "raw": raw_chars, "kept": chars, "removed": removed,
                "share": removed / raw_chars if raw_chars else 0.0,
                "edits": len(entry["edits"]), "review": self.review_count(entry),
            })
        rows.sort(key=lambda r: (-r["share"], r["id"]))
        return rows

    def doc_table(self) -> str:
        head = [("document", ""), ("title", ""), ("status", ""), ("raw chars", "n"), ("kept chars", "n"),
                ("removed chars", "n"), ("removed %", "n"), ("edits", "n"), ("to review", "n")]
        ths = "".join(f"<th class=\"sortable {c}\">{escape(h)}</th>" for h, c in head)
        trs = []
        for r in self._doc_rows():
            link = f"<a href=\"docs/{page_name(r['id'])}\">{escape(r['id'])}</a>"
            cells = [
                (r["id"], link, ""), (r["title"], escape(r["title"]), ""), (r["status"], escape(r["status"]), ""),
                (r["raw"], r["raw"], "n"), (r["kept"], r["kept"], "n"), (r["removed"], r["removed"], "n"),
                (f"{r['share']:.4f}", f"{r['share']:.1%}", "n"), (r["edits"], r["edits"], "n"),
                (r["review"], f"<span class=\"badge\">{r['review']}</span>" if r["review"] else "0", "n"),
            ]
            trs.append("<tr>" + "".join(f"<td class=\"{c}\" data-v=\"{escape(str(v))}\">{h}</td>"
                                        for v, h, c in cells) + "</tr>")
        return (f"<table class=\"sortable\" id=\"documents\"><thead><tr>{ths}</tr></thead>"
                f"<tbody>{''.join(trs)}</tbody></table>")

    def kept_chart(self) -> str:
        """One horizontal bar per kept document: raw length, kept part filled."""
        docs = sorted(self.docs.values(), key=lambda d: d["id"])
        note = ""
        if len(docs) > MAX_CHART_DOCS:
            docs = sorted(docs, key=lambda d: -(d["counts"]["raw_chars"] - d["counts"]["chars"]))[:MAX_CHART_DOCS]
            note = f"<div class=\"muted\">the {MAX_CHART_DOCS} documents with most characters removed</div>"
        top = max((d["counts"]["raw_chars"] for d in docs), default=1) or 1
        label_w, bar_w, h = 180, 320, 14
        parts = []
        for i, d in enumerate(docs):
            y = i * (h + 4)
            raw_w = d["counts"]["raw_chars"] / top * bar_w
            kept_w = d["counts"]["chars"] / top * bar_w
            tip = escape(f"{d['id']}: {d['counts']['chars']} of {d['counts']['raw_chars']} characters kept")
            label = escape(d["id"] if len(d["id"]) <= 26 else d["id"][:25] + "…")
            parts.append(
                f"<g><title>{tip}</title>"
                f"<text x=\"{label_w - 6}\" y=\"{y + h - 3}\" text-anchor=\"end\" font-size=\"11\">{label}</text>"
                f"<rect class=\"bar raw\" x=\"{label_w}\" y=\"{y}\" width=\"{raw_w:.1f}\" height=\"{h}\" fill=\"#f3c4c4\"/>"
                f"<rect class=\"bar kept\" x=\"{label_w}\" y=\"{y}\" width=\"{kept_w:.1f}\" height=\"{h}\" fill=\"#4a7bd0\"/></g>")
        height = max(len(docs) * (h + 4), h)
        return (f"{note}<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{label_w + bar_w + 10}\" height=\"{height}\" "
                f"role=\"img\">{''.join(parts)}</svg>"
                "<div class=\"muted\"><span class=\"swatch\" style=\"background:#4a7bd0\"></span>kept "
                "<span class=\"swatch\" style=\"background:#f3c4c4\"></span>removed</div>")

    def rules_chart(self) -> str:
        rules = [r for r in sorted(self.rules, key=lambda r: (-self.removed_by_rule[r], r)) if self.removed_by_rule[r] > 0]
        top = max((self.removed_by_rule[r] for r in rules), default=1) or 1
        label_w, bar_w, h = 220, 260, 14
        parts = []
        for i, r in enumerate(rules):
            y = i * (h + 4)
            n = self.removed_by_rule[r]
            parts.append(
                f"<g><title>{escape(f'{r}: {n} characters removed')}</title>"
                f"<text x=\"{label_w - 6}\" y=\"{y + h - 3}\" text-anchor=\"end\" font-size=\"11\">{escape(r)}</text>"
                f"<rect class=\"bar rule\" x=\"{label_w}\" y=\"{y}\" width=\"{max(n / top * bar_w, 1):.1f}\" height=\"{h}\" "
                f"fill=\"{hex_colour(self.colour[r])}\" stroke=\"#777\" stroke-width=\"0.5\"/>"
                f"<text x=\"{label_w + n / top * bar_w + 4:.1f}\" y=\"{y + h - 3}\" font-size=\"11\">{n}</text></g>")
        height = max(len(rules) * (h + 4), h)
        return (f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{label_w + bar_w + 60}\" height=\"{height}\" "
                f"role=\"img\">{''.join(parts)}</svg>")

    # document pages -----------------------------------------------------------
    def edit_title(self, e: dict) -> str:
        score = f" (score {e['score']:.2f})" if e["score"] is not None else ""
        flag = " - TO REVIEW: near the decision threshold" if self.is_review(e) else ""
        return f"{e['rule']}: {e['reason']}{score}{flag}"

    def document(self, doc_id: str) -> str:
        entry = self.entries[doc_id]
        doc = self.docs.get(doc_id)
        rej = self.rejected.get(doc_id)
        source_file = doc["source_file"] if doc else rej["source_file"] if rej else doc_id
        raw = reading.raw_text(self.raw_dir, source_file, self.manifest["inputs"])
        edits = [reading.edit_from_obj(e) for e in entry["edits"]]
        raw_ok = raw.text is not None and reading.step_texts(raw.text, edits) is not None
        used = sorted({e["rule"] for e in entry["edits"]})
        counts = Counter(e["rule"] for e in entry["edits"])
        legend = " ".join(f"<span class=\"swatch {self.rule_class(r)}\"></span>{escape(r)} ({counts[r]})" for r in used)
        status = "kept" if doc else f"rejected: {entry['reason']}" + (f" ({rej['detail']})" if rej else "")
        body = ["<p><a href=\"../index.html\">&larr; all documents</a></p>",
                f"<h1>{escape(doc_id)}</h1>",
                f"<p>{escape((doc or {}).get('title') or '')}</p>",
                f"<p>Status: {escape(status)}. Edits: {len(edits)}."
                + (f" <span class=\"badge\">{self.review_count(entry)} to review</span>" if self.review_count(entry) else "")
                + "</p>",
                f"<p>{legend}</p>"]
        if not raw_ok:
            why = raw.note if raw.text is None else "the edits do not replay on the raw file"
            body.append(f"<p class=\"note\">Raw text unavailable ({escape(why)}): edits are listed without context.</p>")
        body.append("<div class=\"cols\">")
        if raw_ok:
            body.append(f"<div><h2>Raw, with the edits</h2><div class=\"text\" id=\"raw\">"
                        f"{self.render_overlay(overlay(raw.text, edits), entry['edits'])}</div></div>")
        clean = escape(doc["text"]) if doc else "<span class=\"muted\">(no clean text: rejected)</span>"
        body.append(f"<div><h2>Clean</h2><div class=\"text\" id=\"clean\">{clean}</div></div></div>")
        body.append("<h2>Edits</h2>" + self.edit_table(entry["edits"]))
        return (_page(f"{doc_id} - review {self.manifest['version']}", "\n".join(body))
                .replace("</style>", self.rule_css() + "</style>", 1))

    def render_overlay(self, pieces: list[Piece], edits: list[dict]) -> str:
        out = []
        for p in pieces:
            if p.kind == "keep":
                out.append(escape(p.text))
                continue
            e = edits[p.edit]
            cls = self.rule_class(e["rule"]) + (" review" if self.is_review(e) else "")
            text = escape(p.text).replace("\n", "⏎\n")
            tag, kind = ("del", "rm") if p.kind == "del" else ("ins", "add")
            out.append(f"<{tag} class=\"{kind} {cls}\" data-rule=\"{escape(e['rule'])}\" "
                       f"title=\"{escape(self.edit_title(e))}\">{text}</{tag}>")
        return "".join(out)

    def edit_table(self, edits: list[dict]) -> str:
        if not edits:
            return "<p>No edits.</p>"
        rows = []
        for e in edits:
            review = self.is_review(e)
            before = escape(e["before"] if len(e["before"]) <= 300 else e["before"][:299] + "…")
            after = escape(e["after"])
            score = "" if e["score"] is None else f"{e['score']:.2f}"
            rows.append(
                f"<tr><td>{escape(e['stage'])}</td><td><span class=\"swatch {self.rule_class(e['rule'])}\"></span>"
                f"{escape(e['rule'])}</td><td class=\"n\">{e['step']}</td><td class=\"n\">{e['start']}-{e['end']}</td>"
                f"<td><del>{before}</del>{' &rarr; <ins>' + after + '</ins>' if e['after'] else ''}</td>"
                f"<td>{escape(e['reason'])}</td><td class=\"n\">{score}{BADGE if review else ''}</td></tr>")
        return ("<table><thead><tr><th>stage</th><th>rule</th><th>step</th><th>span</th><th>removed / changed</th>"
                f"<th>reason</th><th>score</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def build(vdir: Path, out: Path, raw_dir: Path | None) -> Path:
    """Write index.html and docs/<page>.html under out; return the index path."""
    site = Site(vdir, raw_dir)
    docs_dir = out / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(site.index(), encoding="utf-8")
    for doc_id in site.entries:
        (docs_dir / page_name(doc_id)).write_text(site.document(doc_id), encoding="utf-8")
    return out / "index.html"
