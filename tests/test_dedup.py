"""Duplicates: the dedup stage (a paragraph repeated inside one document, cases
in tests/cases/dedup.json) and the corpus index (pipeline.dedup) that rejects
documents duplicating a kept one, end to end through `curate run`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import dedup
from pipeline.dedup import disk_list, multimap, normalise
from pipeline import result as result_mod
from pipeline.process import process
from pipeline.config import Config
from pipeline.stages import dedup as stage
from conftest import (DEV_FILES, SEED_FILES, assert_line_removals, curate,
                      make_doc, outcome_of, read_jsonl, rule_case_params)

HERE = Path(__file__).parent
CASES = json.loads((HERE / "cases" / "dedup.json").read_text(encoding="utf-8"))


# ------------------------------------------------- the stage: one document


@pytest.mark.parametrize("case", rule_case_params(CASES))
def test_case(case):
    doc = make_doc(case["text"])
    out = stage.apply(doc, Config())
    assert [e.before.strip() for e in out.edits] == case["removed"]
    assert all(e.rule == stage.RULE for e in out.edits)
    kept = out.text.split("\n")
    for line in case["kept"]:
        assert line in kept


@pytest.mark.parametrize("case", rule_case_params(CASES, known_failures=False))
def test_edits_are_well_formed_and_idempotent(case):
    doc = make_doc(case["text"])
    out = stage.apply(doc, Config())
    assert_line_removals(doc, out, "dedup")
    assert stage.apply(make_doc(out.text), Config()).text == out.text


def test_the_highlights_copy_goes_and_the_body_copy_stays():
    case = next(c for c in CASES if c.get("kept_copy_below"))
    out = stage.apply(make_doc(case["text"]), Config())
    (edit,) = out.edits
    assert edit.start == len("Highlights\n\n")  # the first copy, under the label
    assert edit.reason == "repeats the paragraph kept below"


def test_positive_and_negative_cases():
    assert any(c["removed"] for c in CASES)
    assert any(c["label"].startswith("negative") and not c["removed"] for c in CASES)


def test_stage_runs_after_clutter_and_boilerplate():
    from pipeline.stages import STAGES
    names = [s.NAME for s in STAGES]
    assert names.index("clutter") < names.index("dedup")
    assert names.index("boilerplate") < names.index("dedup") < names.index("layout")


# ------------------------------------------------- the corpus index


ARTICLE = (
    "The city council approved a new budget on Tuesday after a debate that lasted "
    "well into the night. Council members agreed to spend more on schools, libraries "
    "and public transport next year. The mayor said the plan would be paid for by "
    "savings in administration rather than by higher taxes. Opposition members "
    "argued that the savings were not realistic and voted against the plan. Teachers "
    "welcomed the extra money, which will pay for smaller classes and new books. "
    "Bus drivers said the new routes would help people in the outer districts reach "
    "the centre. The budget takes effect in January and will be reviewed in June."
)
# The same article with one sentence rewritten.
NEAR = ARTICLE.replace(
    "Opposition members argued that the savings were not realistic and voted against the plan.",
    "Two opposition parties abstained, saying they needed more time to study the figures.")
# Two different short articles on the same topic, written independently; the
# first quotes one sentence of ARTICLE word for word.
SAME_TOPIC = (
    "Councillors backed the spending plan late on Tuesday. Schools and libraries get "
    "more money next year, and several bus routes will be extended to the outer "
    "districts. The mayor said the plan would be paid for by savings in "
    "administration rather than by higher taxes. Critics doubted the "
    "promised savings. The plan will be reviewed in June.",
    "A city budget with more money for schools was approved this week. Head teachers "
    "said smaller classes were now possible. The opposition voted no, calling the "
    "savings in administration a hope rather than a plan. Transport officials "
    "welcomed funding for new bus routes. The budget starts in January.",
)


def test_exact_duplicate_after_normalisation():
    index = dedup.DuplicateIndex(Config())
    assert index.check_and_add("a", ARTICLE) is None
    messy = ARTICLE.upper().replace(". ", ".\n\n").replace("  ", " ")
    match = index.find("b", messy)
    assert match is not None and match.exact and match.kept_id == "a"


def test_near_duplicate_one_sentence_changed():
    index = dedup.DuplicateIndex(Config())
    assert index.check_and_add("a", ARTICLE) is None
    match = index.find("b", NEAR)
    assert match is not None and not match.exact and match.kept_id == "a"
    assert 0.5 <= match.similarity < 1


def test_distinct_short_articles_on_the_same_topic_are_not_duplicates():
    index = dedup.DuplicateIndex(Config())
    for i, text in enumerate((ARTICLE, *SAME_TOPIC)):
        assert index.check_and_add(str(i), text) is None


def test_the_kept_one_is_the_first_in_id_order_and_duplicates_are_not_indexed():
    index = dedup.DuplicateIndex(Config())
    assert index.check_and_add("a", ARTICLE) is None
    assert index.check_and_add("b", NEAR) == "a"
    assert index.check_and_add("c", NEAR) == "a"  # not "b", which was rejected


def test_empty_and_tiny_texts():
    index = dedup.DuplicateIndex(Config())
    assert index.check_and_add("a", "Yes.") is None
    assert index.check_and_add("b", "No.") is None
    assert index.check_and_add("c", "yes") == "a"


def test_threshold_comes_from_the_config():
    strict = dedup.DuplicateIndex(Config(duplicate_threshold=0.99))
    assert strict.check_and_add("a", ARTICLE) is None
    assert strict.check_and_add("b", NEAR) is None


@pytest.mark.parametrize("key, value", [("duplicate_threshold", 1.5), ("duplicate_threshold", 0.0),
                                        ("duplicate_num_perm", 4), ("duplicate_shingle_words", 0)])
def test_bad_parameters_are_a_usage_error_naming_the_key(key, value, seed_raw, tmp_path):
    with pytest.raises(ValueError, match=key):
        Config(**{key: value})
    config = tmp_path / "bad.toml"
    config.write_text(f"{key} = {value}\n", encoding="utf-8")
    done = curate("run", "--raw", str(seed_raw), "--clean", str(tmp_path / "clean"), "--config", str(config))
    assert done.returncode == 2 and key in done.stderr


FINGERPRINT = ("import sys; from pipeline import dedup; from pipeline.config import Config; "
               "fp = dedup.fingerprint(sys.stdin.read(), Config()); "
               "print(fp.digest.hex(), fp.signature.hex(), fp.bands.hex())")


@pytest.mark.parametrize("config, want", [
    (Config(), "c4fa1e9526673800e172a8fb3856ac24"),
    (Config(duplicate_num_perm=17, duplicate_shingle_words=3), "95524464aa251a607e033be70ad496de"),
    (Config(duplicate_num_perm=16, duplicate_shingle_words=1), "64feffd21c14038948f1f4bd981692aa"),
])
def test_the_fingerprints_are_those_of_earlier_versions(config, want):
    """A re-run compares new fingerprints with those its parent cached, and a
    change to them changes which documents are duplicates: every rewrite of
    the fingerprint's code must give the same bytes (these were computed
    before the batch screening; a long text passes _POWERS_CACHED)."""
    texts = [ARTICLE, NEAR, *SAME_TOPIC, "", "...", "a", "Yes.", "one two three four", "one two three four five",
             "Ünïcödé straße ﬁne ½ — “quoted” text, which is fine.", ARTICLE * 120]
    h = hashlib.sha256()
    for text in texts:
        fp = dedup.fingerprint(text, config)
        h.update(fp.digest + fp.signature + fp.bands + b"|")
    assert h.hexdigest()[:32] == want


def test_fingerprints_are_deterministic_across_processes():
    """No salted hash(): the same text gives the same fingerprint in any
    process, whatever PYTHONHASHSEED (workers and runs agree)."""
    import os
    import subprocess
    import sys
    outs = {subprocess.run([sys.executable, "-c", FINGERPRINT], input=ARTICLE, capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("0", "1", "12345")}
    fp = dedup.fingerprint(ARTICLE, Config())
    assert outs == {f"{fp.digest.hex()} {fp.signature.hex()} {fp.bands.hex()}\n"}


SEPARATORS = "’‘“”—–…«»·•€£©®°§¶†\u00a0\u2009\u3000。、！"
TRICKY = "ﬁ²½ßİÅe\u0301\u00ad\u200bⒶＡ℃™Ωé中文١٢"  # change under NFKC or case folding, or are words


@pytest.mark.parametrize("path", DEV_FILES or SEED_FILES, ids=lambda p: p.stem[:12])
def test_fast_normalisation_equals_the_regex_one_on_dev_texts(path):
    for text in (path.read_text(encoding="utf-8"), outcome_of(path).doc.text):
        assert dedup.normalised(text) == " ".join(dedup.words(text)).encode()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09_ .,'-\n\t!?") + list(SEPARATORS) + list(TRICKY)), max_size=60)
       | st.text(max_size=40))
def test_fast_normalisation_equals_the_regex_one(text):
    fast = normalise._ascii_normalised(text)
    assert fast is None or fast == " ".join(dedup.words(text)).encode()
    assert dedup.normalised(text) == " ".join(dedup.words(text)).encode()


def test_the_fast_path_takes_texts_with_typographic_punctuation_only():
    assert normalise._ascii_normalised("It’s “fine” — really…") == b"it s fine really"
    assert normalise._ascii_normalised("Café") is None  # é is a letter: the regex path decides
    assert normalise._ascii_normalised("20℃") is None  # NFKC makes it a word character


def test_texts_without_words_are_duplicates_of_each_other_only():
    index = dedup.DuplicateIndex(Config())
    assert index.check_and_add("a", "...") is None
    assert index.check_and_add("b", "Some words here.") is None
    match = index.find("c", "— !")
    assert match is not None and match.exact and match.kept_id == "a"


def jaccard(a: str, b: str) -> float:
    x = set(dedup.shingle_hashes(dedup.normalised(a), 5).tolist())
    y = set(dedup.shingle_hashes(dedup.normalised(b), 5).tolist())
    return len(x & y) / len(x | y)


def test_the_estimate_follows_the_true_jaccard_similarity():
    """One-permutation MinHash with 128 bins: within 0.15 of the true
    similarity of the shingle sets (about 4 standard errors)."""
    texts = [outcome_of(p).doc.text for p in (DEV_FILES or SEED_FILES)][:40]
    pairs = [(ARTICLE, NEAR), (ARTICLE, SAME_TOPIC[0]), (ARTICLE, SAME_TOPIC[1])]
    pairs += [(t, t.replace(max(re.split(r"(?<=[.!?])\s+", t), key=len), "Something else was said.", 1)) for t in texts]
    pairs += list(zip(texts, texts[1:]))
    for a, b in pairs:
        sa = np.frombuffer(dedup.fingerprint(a, Config()).signature, "<u4")
        sb = np.frombuffer(dedup.fingerprint(b, Config()).signature, "<u4")
        assert abs(dedup.similarity(sa, sb) - jaccard(a, b)) <= 0.15


class _TinyMultimap(multimap.Multimap):
    BUFFER = 3  # every few entries become a sorted run, and runs merge


def test_the_multimap_returns_what_a_dict_of_lists_would():
    rng = np.random.default_rng(0)
    mm, small, reference = multimap.Multimap(), _TinyMultimap(), {}
    for ordinal in range(400):
        keys = rng.integers(0, 60, size=rng.integers(0, 5)).astype(np.uint32)
        query = rng.integers(0, 70, size=4).astype(np.uint32)
        want = sorted(o for k in query.tolist() for o in reference.get(k, ()))
        assert sorted(mm.get(query)) == want and sorted(small.get(query)) == want
        for m in (mm, small):
            m.add(keys, ordinal)
        for k in keys.tolist():
            reference.setdefault(k, []).append(ordinal)
    assert len(small._runs) < 12  # merged: O(log n) runs


def test_the_multimap_pairs_are_what_get_returns_key_by_key():
    rng = np.random.default_rng(3)
    for m in (multimap.Multimap(), _TinyMultimap()):
        for ordinal in range(300):
            query = rng.integers(0, 50, size=rng.integers(0, 20)).astype(np.uint32)
            which, ordinals = m.get_pairs(query)
            got = sorted(zip(which.tolist(), ordinals.tolist()))
            assert got == sorted((i, o) for i, k in enumerate(query.tolist()) for o in m.get(np.array([k], np.uint32)))
            keys = rng.integers(0, 50, size=rng.integers(0, 5)).astype(np.uint32)
            if rng.random() < 0.5:
                m.add(keys, ordinal)
            else:  # as a batch adds them: several ordinals, a key possibly twice
                m.add_many(keys, np.sort(rng.integers(ordinal, ordinal + 3, size=len(keys))).astype(np.uint64))


class _SmallIndex(dedup.DuplicateIndex):
    """Every few band entries a sorted run, every few records to the file."""
    SPILL = 100

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._bands = _TinyMultimap()


def _screen_both(config: Config, items, cuts, small: bool) -> None:
    """find_batch over the batches ``cuts`` makes of items gives what
    find_fingerprint gives one item at a time, and leaves the same index."""
    kind = _SmallIndex if small else dedup.DuplicateIndex
    one, batched = kind(config), kind(config)
    try:
        want = [None if item is None else one.find_fingerprint(*item) for item in items]
        got, start = [], 0
        for end in sorted(set(cuts)) + [len(items)]:
            if end >= start:
                got += batched.find_batch(items[start:end])
                start = end
        assert got == want
        assert batched.kept == one.kept and batched._no_shingles == one._no_shingles
        for doc_id, fp in (item for item in items if item is not None):  # the same index after
            assert batched.find_fingerprint(doc_id, fp) == one.find_fingerprint(doc_id, fp)
    finally:
        one.close()
        batched.close()


def test_batch_screening_equals_one_by_one_on_real_texts():
    texts = [outcome_of(p).doc.text for p in (DEV_FILES or SEED_FILES)]
    texts += [ARTICLE, NEAR, ARTICLE.upper(), *SAME_TOPIC, NEAR, "...", texts[0], "", NEAR.lower(), texts[1]]
    rng = np.random.default_rng(4)
    texts = [texts[i] for i in rng.permutation(len(texts))] + texts[-8:]
    for config in (Config(), Config(duplicate_threshold=0.3), Config(duplicate_num_perm=16)):
        items = [(f"d{i:03d}", dedup.fingerprint(t, config)) if i % 9 != 4 else None for i, t in enumerate(texts)]
        for size in (2, 5, 16, len(items)):
            _screen_both(config, items, range(0, len(items), size), small=size == 5)


# Fingerprints built to collide: few band keys, few bin values, few digests
_BINS = 16
_FP = st.tuples(st.integers(0, 3), st.lists(st.integers(0, 12), min_size=1, max_size=4),
                st.lists(st.integers(0, 2), min_size=_BINS, max_size=_BINS), st.booleans()).map(
    lambda t: dedup.Fingerprint(bytes([t[0]]) * 16, np.array(t[2], "<u4").tobytes(),
                                b"" if t[3] and t[0] == 0 else np.array(t[1], "<u4").tobytes()))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _FP), max_size=40), st.lists(st.integers(0, 40), max_size=6),
       st.sampled_from([0.01, 0.4, 0.5, 0.75, 1.0]), st.booleans())
def test_batch_screening_equals_one_by_one(fps, cuts, threshold, small):
    config = Config(duplicate_num_perm=_BINS, duplicate_threshold=threshold)
    items = [None if fp is None else (f"id {i}", fp) for i, fp in enumerate(fps)]
    _screen_both(config, items, cuts, small)


def test_screened_is_screen_of_each():
    config = Config()
    outcomes = [outcome_of(p) for p in (DEV_FILES or SEED_FILES)[:40]]
    results = [result_mod.of(o, config, None if o.doc.rejection else dedup.fingerprint(o.doc.text, config))
               for o in outcomes]
    results += results[:20]  # exact duplicates, some in the batch of their original
    one, batched = dedup.DuplicateIndex(config), dedup.DuplicateIndex(config)
    want = [(res, dedup.screen(res, one)) for res in results]
    assert list(dedup.screened(results, batched, batch=7)) == want
    assert sum(not b.kept for a, b in want if a.kept) >= sum(res.kept for res in results[:20]) > 0


class _SpillingIndex(dedup.DuplicateIndex):
    SPILL = 1  # every record goes to the file at once


def test_spilled_records_read_back_the_same(tmp_path):
    texts = [outcome_of(p).doc.text for p in (DEV_FILES or SEED_FILES)]
    texts += [ARTICLE, NEAR, ARTICLE.upper(), *SAME_TOPIC, texts[0]]
    a, b = dedup.DuplicateIndex(Config()), _SpillingIndex(Config(), spill_dir=tmp_path)
    for i, text in enumerate(texts):
        assert a.find(f"d{i:03d}", text) == b.find(f"d{i:03d}", text)
    assert b.check_and_add("last", texts[0]) == "d000"
    assert list(tmp_path.iterdir()) == []  # anonymous files: nothing to clean up, nothing in a version


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.binary(min_size=8, max_size=8), st.lists(st.integers(0, 400), max_size=12)),
                max_size=60), st.integers(1, 64))
def test_spill_reads_what_was_added_mapped_or_pending(steps, spill_at):
    """get_many reads the items written from the file and the items not
    written yet from memory: the items added, whatever the mix."""
    spill, added = disk_list.DiskList(8, None, spill_at), []
    try:
        for item, wanted in steps:
            spill.add(item)
            added.append(item)
            wanted = [w % len(added) for w in wanted]
            assert spill.get_many(wanted) == b"".join(added[w] for w in wanted)
            assert spill.get(wanted[0] if wanted else 0) == added[wanted[0] if wanted else 0]
    finally:
        spill.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.binary(min_size=8, max_size=8), max_size=5), max_size=30), st.integers(1, 64))
def test_items_extended_at_once_read_as_added_one_by_one(groups, spill_at):
    """extend(items joined) holds what add(item), item by item, holds: the
    same positions, from the file or from memory."""
    at_once, one_by_one = disk_list.DiskList(8, None, spill_at), disk_list.DiskList(8, None, spill_at)
    try:
        for group in groups:
            at_once.extend(b"".join(group))
            for item in group:
                one_by_one.add(item)
            assert len(at_once) == len(one_by_one)
            every = list(range(len(one_by_one)))
            assert at_once.get_many(every) == one_by_one.get_many(every)
            assert [at_once.get(i) for i in every] == [one_by_one.get(i) for i in every]
    finally:
        at_once.close()
        one_by_one.close()


@pytest.mark.parametrize("size,items", [(8, b"x" * 12), (0, b"x" * 8)])
def test_extend_takes_whole_items_of_a_fixed_size(size, items):
    spill = disk_list.DiskList(size, None, 1 << 20)
    try:
        with pytest.raises(ValueError):
            spill.extend(items)
        assert len(spill) == 0
    finally:
        spill.close()


def _rss_file_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1])
    raise LookupError("RssFile")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc/self/status")
def test_reading_a_spill_leaves_its_pages_out_of_the_resident_set():
    """Reading every item of a 32 MB spill leaves its pages in the page
    cache, not in this process's resident set (a map of the file put them
    there: the main process's memory grew with the corpus)."""
    size, count = 4096, 8192  # one item a page: 32 MB
    spill = disk_list.DiskList(size, None, 1 << 20)
    try:
        for i in range(count):
            spill.add(i.to_bytes(4, "little") * (size // 4))
        before = _rss_file_kb()
        for start in range(0, count, 16):
            got = spill.get_many(list(range(start, start + 16)))
            assert got == b"".join(i.to_bytes(4, "little") * (size // 4) for i in range(start, start + 16))
        assert _rss_file_kb() - before < 8 * 1024  # KB; through a map it grows by ~32 MB
    finally:
        spill.close()


def test_memory_per_kept_document_is_about_100_bytes():
    index = dedup.DuplicateIndex(Config())
    base = ARTICLE.split()
    rng = np.random.default_rng(1)
    for i in range(3000):
        index.check_and_add(f"{i:05d}", " ".join(rng.permutation(base)))
    assert index.kept > 2900
    assert index.memory_bytes <= (8 * dedup.BANDS + 8) * (index.kept + 1)  # a band entry each, an id offset


def test_the_worker_sends_the_fingerprint_the_main_process_would_compute(seed_raw):
    from pipeline import runner
    from pipeline.corpus import list_inputs
    shared = runner.Shared(seed_raw, Config())
    for inp in list_inputs(seed_raw):
        done = runner.work((inp, None), shared)
        text = process(inp.id, inp.path, (seed_raw / inp.path).read_bytes(), Config()).doc.text
        assert done.result.fingerprint == dedup.fingerprint(text, Config())
        assert dedup.STAGE in dict(done.times)


def test_no_corpus_document_duplicates_another():
    """The dev set (which holds the seeds too) has no duplicates: none may be flagged."""
    index = dedup.DuplicateIndex(Config())
    flagged = []
    for path in DEV_FILES or SEED_FILES:
        doc = outcome_of(path).doc
        if doc.rejection is None and (match := index.find(path.stem, doc.text)):
            flagged.append((path.stem, match))
    assert flagged == []


# ------------------------------------------------- end to end


@pytest.mark.parametrize("workers", ["1", "3"])
def test_curate_run_rejects_exact_and_near_duplicates(seed_raw: Path, tmp_path: Path, workers: str):
    seeds = sorted(seed_raw.iterdir())
    original = seeds[0]
    text = original.read_text(encoding="utf-8")
    # Sentences of the last paragraph: rewrite one of them.
    paragraphs = [p for p in text.split("\n") if len(p.split()) > 30]
    sentence = re.split(r"(?<=[.!?])\s+", paragraphs[-1])[0]
    near = text.replace(sentence, "An official said the rules would be reviewed again next year, after a public consultation.")
    assert near != text
    (seed_raw / "zz_copy.txt").write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    (seed_raw / "zz_near.txt").write_text(near, encoding="utf-8")
    clean = tmp_path / "clean"
    done = curate("run", "--raw", str(seed_raw), "--clean", str(clean), "--workers", workers)
    assert done.returncode == 0, done.stderr
    out = clean / (clean / "LATEST").read_text(encoding="utf-8").strip()
    rejected = {r["id"]: r for r in read_jsonl(out / "rejected.jsonl")}
    kept_id = original.stem
    assert rejected["zz_copy"]["reason"] == "duplicate"
    assert rejected["zz_near"]["reason"] == "duplicate"
    assert rejected["zz_copy"]["stage"] == "dedup"
    assert f"duplicate of {kept_id}:" in rejected["zz_copy"]["detail"]
    assert f"near duplicate of {kept_id}:" in rejected["zz_near"]["detail"]
    kept = {d["id"] for d in read_jsonl(out / "documents.jsonl")}
    assert kept == {p.stem for p in seeds}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["rejected_by_reason"].get("duplicate") == 2


@pytest.mark.parametrize("num_perm", [16, 17, 64, 256])
@pytest.mark.parametrize("threshold", [0.01, 0.5, 0.95, 1.0])
def test_every_valid_config_builds_an_index(num_perm, threshold):
    index = dedup.DuplicateIndex(Config(duplicate_num_perm=num_perm, duplicate_threshold=threshold))
    assert index.check_and_add("a", ARTICLE) is None
    assert index.check_and_add("b", ARTICLE) == "a"


def test_one_sentence_changed_in_any_dev_article_is_found():
    """Every article of 150 words or more, with its longest sentence rewritten,
    is a near duplicate of itself (the dev set's articles, or the seeds)."""
    missed = []
    for path in DEV_FILES or SEED_FILES:
        doc = outcome_of(path).doc
        if doc.rejection is not None or len(doc.text.split()) < 150:
            continue
        sentence = max(re.split(r"(?<=[.!?])\s+", doc.text), key=len)
        changed = doc.text.replace(sentence, "A spokesman said the figures would be published again in the spring.", 1)
        index = dedup.DuplicateIndex(Config())
        index.check_and_add(path.stem, doc.text)
        if index.check_and_add("changed", changed) != path.stem:
            missed.append(path.stem)
    assert missed == []


# ------------------------------------------- the stage's fast path equals the plain one


def reference_paragraph_key(text: str) -> str | None:
    """paragraph_key as written before its fast paths: regexes, NFKC and case folding."""
    import unicodedata
    from pipeline.patterns import dedup as P
    from pipeline.patterns.punctuation import ENDS_SENTENCE
    from pipeline.patterns.records import ATTRIBUTION_LINE
    text = text.strip()
    if not ENDS_SENTENCE.search(text) or ATTRIBUTION_LINE.match(text):
        return None
    words = P.WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(words) if len(words) >= P.REPEATED_PARAGRAPH_MIN_WORDS else None


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("aZ09_ .,'-!?\"") + list(SEPARATORS) + list(TRICKY)),
                        max_size=12), min_size=8, max_size=14).map(" ".join)
       | st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.text(max_size=60))
def test_paragraph_key_equals_the_reference(text):
    assert stage.paragraph_key(text) == reference_paragraph_key(text)


@pytest.mark.parametrize("path", DEV_FILES or SEED_FILES, ids=lambda p: p.stem[:12])
def test_paragraph_key_equals_the_reference_on_dev_texts(path):
    for text in (path.read_text(encoding="utf-8"), outcome_of(path).doc.text):
        for line in text.split("\n"):
            assert stage.paragraph_key(line) == reference_paragraph_key(line)


def reference_first_match(records, fp, threshold):
    """dedup.first_match as first written: numpy over every record."""
    if not records:
        return None
    rows = np.frombuffer(b"".join(records), "<u4").reshape(len(records), -1)
    same = np.flatnonzero((rows[:, :4] == np.frombuffer(fp.digest, "<u4")).all(axis=1))
    if len(same):
        return int(same[0]), True, 1.0
    agree = np.count_nonzero(rows[:, 4:] == np.frombuffer(fp.signature, "<u4"), axis=1) / (rows.shape[1] - 4)
    near = np.flatnonzero(agree >= threshold)
    if len(near):
        return int(near[0]), False, float(agree[near[0]])
    return None


def test_first_match_equals_the_reference():
    rng = np.random.default_rng(2)
    for trial in range(3000):
        bins = int(rng.choice([16, 17, 128]))
        base = rng.integers(0, 4, size=bins, dtype=np.uint32)  # few values: bins often agree
        digest = rng.integers(0, 3, size=16, dtype=np.uint8).tobytes()
        fp = dedup.Fingerprint(digest, base.astype("<u4").tobytes(), b"")
        records = []
        for _ in range(int(rng.integers(0, 6))):
            sig = np.where(rng.random(bins) < rng.random(), base, rng.integers(0, 4, size=bins, dtype=np.uint32))
            own = digest if rng.random() < 0.1 else rng.integers(0, 3, size=16, dtype=np.uint8).tobytes()
            records.append(own + sig.astype("<u4").tobytes())
        if records and trial % 7 == 0:  # the digest's bytes across two fields, not a record's digest
            records[0] = records[0][:16] + digest[8:] + digest + records[0][40:]
        threshold = float(rng.choice([0.01, 0.3, 0.5, 0.75, 1.0]))
        assert dedup.first_match(records, fp, threshold) == reference_first_match(records, fp, threshold)


def reference_repeated(lines):
    """stage.repeated as first written: every line's paragraph_key."""
    groups = {}
    for i, line in enumerate(lines):
        key = reference_paragraph_key(line.text)
        if key is not None:
            groups.setdefault(key, []).append(i)
    out = []
    for copies in groups.values():
        if len(copies) > 1:
            kept = stage.keeper(copies, lines)
            out += [(lines[i], lines[kept]) for i in copies if i != kept]
    return sorted(out, key=lambda pair: pair[0].start)


_LINE = st.lists(st.text(alphabet=st.sampled_from(list("aAbZ09_ .,'-!?\"") + list(SEPARATORS) + list(TRICKY)),
                         max_size=6), min_size=6, max_size=12).map(" ".join).map(lambda t: t + ".")


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=5), st.lists(st.integers(0, 4), max_size=10),
       st.lists(st.sampled_from(["", " ", "\u201c", "\u201d", "!", "\u2014", "\u00e9", "\ufb01"]), max_size=10))
def test_repeated_equals_the_reference(pool, picks, noise):
    """Lines drawn from a small pool, some with punctuation, quotes or letters
    added, so that keys and letters collide in every way."""
    from pipeline.lines import content_lines
    lines = [pool[p % len(pool)] + (noise[n] if n < len(noise) else "") for n, p in enumerate(picks)]
    ls = content_lines("\n".join(lines + pool))
    assert stage.repeated(ls) == reference_repeated(ls)


@pytest.mark.parametrize("path", DEV_FILES or SEED_FILES, ids=lambda p: p.stem[:12])
def test_repeated_equals_the_reference_on_dev_texts(path):
    from pipeline.lines import content_lines
    for text in (path.read_text(encoding="utf-8"), outcome_of(path).doc.text):
        lines = content_lines(text + "\n" + text)  # every line twice: each compared
        assert stage.repeated(lines) == reference_repeated(lines)
