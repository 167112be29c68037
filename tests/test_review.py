"""`curate review`: the static HTML site, checked as text and in a real
headless Chromium (Debian's `chromium`, which .ci/run installs): the index's
charts and table and a document page's highlighted removals must render; a
screenshot of each is saved under tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from html import unescape
from pathlib import Path

import pytest

from pipeline import reading
from pipeline.cli import main
from pipeline.review import Site, overlay, page_name, rule_colour
from two_versions import NEW_ID, build
from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    two = build(tmp_path_factory.mktemp("two"))
    out = tmp_path_factory.mktemp("site")
    assert main(["review", "--clean", str(two.clean), "--raw", str(two.raw), "--out", str(out)]) == 0
    return two, out


def test_every_input_has_a_page_inside_out(site) -> None:
    two, out = site
    ids = reading.report_entries(two.clean / "v2")
    pages = {p.name for p in (out / "docs").iterdir()}
    assert pages == {page_name(i) for i in ids}
    for bad in ("../../etc/passwd", "/abs/path", "a/../../b", "..", "con", "x" * 500):
        name = page_name(bad)
        assert "/" not in name and not name.startswith(".") and len(name) < 90
        assert (out / "docs" / name).resolve().parent == (out / "docs").resolve()
    assert page_name("a/b") != page_name("a_b"), "distinct ids give distinct pages"


def test_document_text_is_escaped(site) -> None:
    two, out = site
    page = (out / "docs" / page_name(NEW_ID)).read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "new &lt;doc&gt; &amp; more" in index and "new <doc>" not in index


def test_a_rejected_input_has_a_page_with_its_reason(site) -> None:
    two, out = site
    html = (out / "docs" / page_name("empty")).read_text(encoding="utf-8")
    assert "Status: rejected: empty" in html and "no clean text" in html


def test_no_network_resources(site) -> None:
    _, out = site
    for path in [out / "index.html", *(out / "docs").iterdir()]:
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", html), path
        assert "<link" not in html


def test_removed_spans_carry_rule_and_reason_and_review_marks(site) -> None:
    two, out = site
    entry = reading.report_entries(two.clean / "v2")[two.edited]
    html = (out / "docs" / page_name(two.edited)).read_text(encoding="utf-8")
    dels = re.findall(r'<del class="rm (r\d+)( review)?" data-rule="([^"]+)" title="([^"]+)">', html)
    removing = {e["rule"] for e in entry["edits"] if e["before"]}
    assert removing and {d[2] for d in dels} == removing
    for _, _, rule, title in dels:
        title = unescape(title)
        assert title.startswith(rule + ": ")
        assert any(title.startswith(f"{e['rule']}: {e['reason']}") for e in entry["edits"] if e["rule"] == rule)
    site = Site(two.clean / "v2", two.raw)
    threshold = reading.manifest(two.clean / "v2")["config"]["clutter_threshold"]
    assert site.thresholds["clutter"] == threshold
    assert site.is_review({"stage": "clutter", "score": threshold + 0.05})
    assert not site.is_review({"stage": "clutter", "score": threshold + 0.3})
    assert not site.is_review({"stage": "clutter", "score": None})
    assert not site.is_review({"stage": "repair", "score": threshold}), "a stage without a threshold is never flagged"
    flagged = sum(site.is_review(e) for e in entry["edits"])
    assert html.count("<span class=\"badge\">to review</span>") == flagged
    assert html.count(" review\" data-rule=") >= flagged


def test_overlay_keeps_raw_and_clean(site) -> None:
    two, _ = site
    for doc_id, entry in reading.report_entries(two.clean / "v2").items():
        doc = reading.documents(two.clean / "v2").get(doc_id)
        if doc is None:
            continue
        raw = reading.raw_text(two.raw, doc["source_file"], reading.manifest(two.clean / "v2")["inputs"]).text
        pieces = overlay(raw, [reading.edit_from_obj(e) for e in entry["edits"]])
        assert "".join(p.text for p in pieces if p.kind != "ins") == raw
        assert "".join(p.text for p in pieces if p.kind != "del") == doc["text"]


# --- in a real browser -----------------------------------------------------------

def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """A minimal PNG reader (8-bit RGB/RGBA, not interlaced): width, height, rows."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos: pos + 8])
        body = data[pos + 8: pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = header
    assert depth == 8 and ctype in (2, 6) and interlace == 0, header
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1: (y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line[j] for j in range(stride) if j % bpp < 3) if bpp == 4 else bytes(line))
        prev = line
    return w, h, rows


def count_colour(rows: list[bytes], rgb: tuple[int, int, int], tol: int = 3) -> int:
    n = 0
    for row in rows:
        for i in range(0, len(row), 3):
            if abs(row[i] - rgb[0]) <= tol and abs(row[i + 1] - rgb[1]) <= tol and abs(row[i + 2] - rgb[2]) <= tol:
                n += 1
    return n


def test_site_renders_in_headless_chromium(site, tmp_path: Path) -> None:
    two, out = site
    ARTIFACTS.mkdir(exist_ok=True)
    # the index after its script ran: charts and the sortable table are there
    dom = chromium(tmp_path, "--dump-dom", (out / "index.html").as_uri()).stdout
    assert 'data-ready="1"' in dom, "the page's script ran"
    docs = reading.documents(two.clean / "v2")
    assert len(re.findall(r'<rect class="bar kept"', dom)) == len(docs)
    assert len(re.findall(r'<rect class="bar rule"', dom)) >= 3
    table = re.search(r'<table class="sortable" id="documents">.*?</table>', dom, re.DOTALL).group(0)
    assert len(re.findall(r"<tr><td", table)) == len(reading.report_entries(two.clean / "v2"))
    # sorted in the browser by its script: #sort=3 clicks "raw chars" (descending)
    dom = chromium(tmp_path, "--dump-dom", (out / "index.html").as_uri() + "#sort=3").stdout
    table = re.search(r'<table class="sortable" id="documents">.*?</table>', dom, re.DOTALL).group(0)
    raw_chars = [int(v) for v in re.findall(r'<td class="n" data-v="(\d+)">\d+</td><td class="n" data-v="\d+">\d+</td>'
                                            r'<td class="n" data-v="-?\d+">', table)]
    assert len(raw_chars) == len(reading.report_entries(two.clean / "v2"))
    assert raw_chars == sorted(raw_chars, reverse=True) and 'aria-sort="descending"' in table
    shot = ARTIFACTS / "review-index.png"
    chromium(tmp_path, f"--screenshot={shot}", (out / "index.html").as_uri())
    _, _, rows = png_pixels(shot)
    assert count_colour(rows, (0x4a, 0x7b, 0xd0)) > 500, "the kept-characters bars are drawn"

    # a document page: the highlighted removals are drawn in their rule's colour
    page = out / "docs" / page_name(two.edited)
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    first = re.search(r'<del class="rm r(\d+)', dom)
    assert first, "removed spans are in the DOM"
    shot = ARTIFACTS / "review-document.png"
    chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    print(f"screenshots: {ARTIFACTS / 'review-index.png'} {shot}")
    _, _, rows = png_pixels(shot)
    # the title line, removed by the header stage, is at the top of the raw column
    title_rule = int(first.group(1))
    assert count_colour(rows, rule_colour(title_rule)) > 1000, "the first removed span is highlighted on screen"


def test_edits_near_their_threshold_are_marked_to_review(site) -> None:
    two, _ = site
    s = Site(two.clean / "v2", two.raw)
    doc_id, entry = max(s.entries.items(), key=lambda kv: sum(e["score"] is not None for e in kv[1]["edits"]))
    scored = [e for e in entry["edits"] if e["score"] is not None]
    assert scored, "the corpus has scored removals"
    # put the threshold of their stage right at the first score: that edit (at least) is near it
    s.thresholds = {scored[0]["stage"]: scored[0]["score"]}
    near = [e for e in entry["edits"] if e["stage"] == scored[0]["stage"] and e["score"] is not None
            and abs(e["score"] - scored[0]["score"]) <= s.margin]
    html = s.document(doc_id)
    assert html.count("<span class=\"badge\">to review</span>") == len(near) >= 1
    assert f"<span class=\"badge\">{len(near)} to review</span>" in html
    assert re.search(r'<del class="rm r\d+ review" data-rule="[^"]+" title="[^"]+TO REVIEW', html)
