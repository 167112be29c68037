"""The run's per-input state is compact: packed by input ordinal, inputs made
when asked for; it must give back exactly what was put."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings, strategies as st

from pipeline.corpus import Input, Inputs, as_input, key_of
from pipeline.incremental import _Locations


def test_locations_give_back_what_was_put() -> None:
    where = _Locations(5)
    where.put(1, ("/tmp/a/1.jsonl", 0, 10))
    where.put(3, ("/tmp/a/2.jsonl", 2**40, 7))
    where.put(4, ("/tmp/a/1.jsonl", 10, 0))
    assert [where.get(i) for i in range(5)] == [
        None, ("/tmp/a/1.jsonl", 0, 10), None, ("/tmp/a/2.jsonl", 2**40, 7), ("/tmp/a/1.jsonl", 10, 0)]
    assert where.files == ["/tmp/a/1.jsonl", "/tmp/a/2.jsonl"]


def test_an_input_as_listed_makes_the_input() -> None:
    """What workers are sent of an input (its path, or its Input when it is
    unusual) makes the same Input, with the same key."""
    odd = Input("notes (not .txt)", "notes", Path("/raw/notes"))
    inputs = Inputs(Path("/raw"), ["a/d0.txt", "d1.txt", odd, "d2"])
    assert [inputs.listed(i) for i in range(4)] == ["a/d0.txt", "d1.txt", odd, "d2"]
    for i in range(4):
        made = as_input(inputs.listed(i), inputs.raw_dir)
        assert made == inputs[i] and key_of(inputs.listed(i)) == (made.id, made.path)
    assert inputs[0] == Input("a/d0", "a/d0.txt", Path("/raw/a/d0.txt"))


def test_plain_sha256_hashes_the_bytes_read_input_reads(tmp_path) -> None:
    """The first pass's shortcut for hashing an input whose stat changed
    answers only for what read_input reads without rejecting, and the same."""
    import hashlib
    import os

    from pipeline import incremental
    from pipeline.config import Config
    from pipeline.corpus import list_inputs, read_input

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(b"plain text\n" * 9)  # 99 bytes
    (raw / "empty.txt").write_bytes(b"")
    (raw / "big.txt").write_bytes(b"x" * 101)
    (raw / "notes.md").write_bytes(b"not a .txt")
    os.symlink(raw / "a.txt", raw / "link.txt")
    os.mkfifo(raw / "fifo.txt")
    config = Config(max_file_bytes=100)
    for inp in list_inputs(raw):
        fast = incremental.plain_sha256(inp, config.max_file_bytes)
        data, rejected = read_input(inp, raw, config)
        if fast is not None:
            assert rejected is None and fast == hashlib.sha256(data).hexdigest(), inp.path
        assert (fast is not None) == (inp.path in ("a.txt", "empty.txt")), inp.path


def test_the_stat_keys_of_a_re_runs_loop_are_plan_stat_key(tmp_path) -> None:
    """Plan._stat_keys (relative to an open --raw) gives each input as listed
    what Plan._stat_key gives it: regular files old and racily recent, in a
    subdirectory too, symlinks (to a file, to a directory, dangling), a FIFO,
    a directory named .txt, a file gone since the listing, an unusual input."""
    import os
    import time

    from pipeline import cache, incremental, stat_keys
    from pipeline.config import Config
    from pipeline.corpus import list_inputs

    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    for name in ("old.txt", "sub/old.txt", "recent.txt", "gone.txt", "notes", "notes.txt"):
        (raw / name).write_text("text\n", encoding="utf-8")
    long_ago = time.time_ns() - 10 * stat_keys.RACY_NS
    for name in ("old.txt", "sub/old.txt", "gone.txt", "notes", "notes.txt"):
        os.utime(raw / name, ns=(long_ago, long_ago))
    os.symlink(raw / "old.txt", raw / "link.txt")
    os.symlink(raw / "sub", raw / "dirlink.txt")
    os.symlink(raw / "nowhere", raw / "dangling.txt")
    os.mkfifo(raw / "fifo.txt")
    (raw / "dir.txt").mkdir()
    (raw / "dir.txt" / "inner.txt").write_text("x\n", encoding="utf-8")
    inputs = list_inputs(raw)
    (raw / "gone.txt").unlink()
    store = cache.Store(tmp_path)  # (a store: without one there is no stat to key)
    try:
        plan = incremental.Plan(inputs, raw, Config(), store)
        listed = [inputs.listed(i) for i in range(len(inputs))]
        assert any(not isinstance(x, str) for x in listed)  # notes (its id is notes.txt's): an unusual input
        with plan._stat_keys() as stat_key:
            fast = [stat_key(i, x) for i, x in enumerate(listed)]
        assert fast == [plan._stat_key(x) for x in listed]
        assert {key_of(x)[1] for x, key in zip(listed, fast) if key is not None} == \
            {"old.txt", "sub/old.txt", "notes", "notes.txt"}
    finally:
        store.close()


@settings(max_examples=60, deadline=None)
@example(["a", "a-b", "a b", "ab", "a.b"], False)
@given(st.lists(st.text(st.sampled_from("ab -.!é_~A0"), min_size=1, max_size=6), min_size=1, max_size=12, unique=True),
       st.booleans())
def test_list_inputs_orders_the_inputs_by_key_of(tmp_path_factory, stems, subdir) -> None:
    """list_inputs' order (by the id alone when every input is a .txt path)
    is sorted(key=key_of), with ids that are prefixes of one another and
    characters that sort before '.' ('a-b.txt' < 'a.txt' but 'a' < 'a-b');
    Inputs keeps each path (and an unusual input) as listed."""
    from pipeline.corpus import list_inputs

    raw = tmp_path_factory.mktemp("raw")
    names = [s + ".txt" for s in stems if not s.startswith(".")]
    if subdir:
        (raw / "a").mkdir()
        names += ["a/" + names[0]] if names else []
    if not names:
        return
    for name in names:
        (raw / name).write_bytes(b"x\n")
    inputs = list_inputs(raw)
    listed = [inputs.listed(i) for i in range(len(inputs))]
    assert sorted(listed) == sorted(names)
    assert listed == sorted(names, key=key_of)
    (raw / "notes").write_bytes(b"x\n")  # not .txt: ordered by key_of
    (raw / "notes.txt").write_bytes(b"x\n")
    inputs = list_inputs(raw)
    listed = [inputs.listed(i) for i in range(len(inputs))]
    assert [key_of(x) for x in listed] == sorted(key_of(x) for x in listed)
    assert any(isinstance(x, Input) for x in listed)  # notes, its id told apart from notes.txt's
