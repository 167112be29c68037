"""The boundaries stage: golden cases written from scratch (tests/cases/
boundaries.json, each rule with cases that cut and cases that must not), each
signal on its own, the body search, corpus repetition through the first pass,
and run time on pathological input."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Config
from pipeline.corpus_stats import from_texts
from pipeline.document import Document, replay
from pipeline.lines import content_lines
from pipeline.patterns import boundaries as P
from pipeline.stages import boundaries as B
from conftest import assert_line_removals, make_doc, rule_case_params

HERE = Path(__file__).parent
CASES = json.loads((HERE / "cases" / "boundaries.json").read_text(encoding="utf-8"))
RULE_IDS = sorted(set(re.findall(r'"(boundaries\.[a-z_{}]+/v\d+)"', Path(B.__file__).read_text())))

PROSE = ("The council voted on Thursday to reopen the old station as a library, ending a debate "
         "that has run for almost a decade in the town.")


def doc_of(case: dict) -> Document:
    return replace(make_doc(case["text"]), title=case.get("title"))


def run(case: dict, config: Config | None = None, stats=None) -> Document:
    return B.apply(doc_of(case), config or Config(), stats)


# ------------------------------------------------------------------- cases


@pytest.mark.parametrize("case", rule_case_params(CASES))
def test_case(case):
    out = run(case)
    assert [e.before.strip() for e in out.edits if e.rule == case["rule"]] == case["removed"]
    kept = out.text.split("\n")
    for line in case["kept"]:
        assert line in kept


@pytest.mark.parametrize("case", rule_case_params(CASES, known_failures=False))
def test_edits_are_well_formed(case):
    doc, out = doc_of(case), run(case)
    assert_line_removals(doc, out, "boundaries")
    assert all(e.score is not None and 0.0 <= e.score <= 1.0 for e in out.edits)


@pytest.mark.parametrize("case", rule_case_params(CASES, known_failures=False))
def test_idempotent(case):
    once = run(case)
    assert run({**case, "text": once.text}).text == once.text


def test_every_rule_cuts_in_one_case_and_keeps_in_another():
    assert RULE_IDS == ["boundaries.{where}_body/v1"]  # one f-string: before_body and after_body
    for rule in ("boundaries.before_body/v1", "boundaries.after_body/v1"):
        mine = [c for c in CASES if c["rule"] == rule and "xfail" not in c]
        assert any(c["removed"] for c in mine) and any(not c["removed"] for c in mine), rule


# ------------------------------------------------------------------ signals


def test_stopword_density():
    assert B.stopword_density(PROSE) > 0.3
    assert B.stopword_density("Car Reviews Motorsport Features Race Reports") == 0.0
    assert B.stopword_density("") == 0.0


@pytest.mark.parametrize("text, ends", [
    ("He left.", True), ('"We will stay," she said.', True), ("Is it over?", True), ("He said:", True),
    ("Read more ...", False), ("The talks ended in…", False), ("Car Reviews", False), ("", False),
])
def test_ends_sentence(text, ends):
    assert B.ends_sentence(text) is ends


def test_sentence_shape_needs_a_few_words():
    assert B.sentence_shape("The library opens in May.") == 1.0
    assert B.sentence_shape("Log in.") == 0.0  # a label with a full stop
    assert B.sentence_shape("Bakery owner wins regional award") == 0.0


def test_capitalised_share():
    assert B.capitalised_share("Police Appeal For Witnesses After Collision") == 1.0
    assert B.capitalised_share("Police appeal for witnesses after a collision on the bridge") < 0.3
    assert B.capitalised_share("Sport") == 1.0
    assert B.capitalised_share("a lending library") == 0.0


def test_furniture():
    assert B.is_furniture("© 2031 The Valley Courier")
    assert B.is_furniture("Home › World › Europe")
    assert not B.is_furniture(PROSE)


def test_goodness_orders_prose_sentences_headlines_and_menus():
    prose = B.goodness(PROSE)
    short = B.goodness("The library opens in May.")
    headline = B.goodness("Police appeal for witnesses after bridge collision")
    menu = B.goodness("Sport")
    assert prose > short > headline > menu
    assert short >= Config().body_threshold > headline  # a short sentence counts for the body


def test_long_unfinished_line_is_still_prose():
    cut = PROSE[:-1] + " and the mayor said that the work would start"
    assert B.goodness(cut) >= Config().body_threshold
    assert B.goodness(cut + " ...") < B.goodness(cut)  # a teaser cut by the site


def test_repetition_lowers_goodness():
    assert B.goodness(PROSE, repeated_in_page=True) < B.goodness(PROSE)
    assert B.goodness(PROSE, repeated_in_corpus=True) < Config().body_threshold


def test_normalised_masks_digits_so_templates_repeat():
    assert B.normalised("Rating: 36 Votes") == B.normalised("Rating: 12 Votes")
    assert B.normalised("2 days ago at 07:52 am") == B.normalised("3 days ago at 11:08 pm".replace("pm", "am"))


def test_title_echo_finds_the_headline_without_the_site_name():
    lines = content_lines("Home\nNews\nMillbrook to reopen old station\nBy Ellen Marsh\n" + PROSE)
    assert B.title_echo(lines, "Millbrook to reopen old station - The Valley Courier") == 2
    assert B.title_echo(lines, "Something else entirely") is None
    assert B.title_echo(lines, None) is None


def test_list_introduced_by_a_colon():
    assert B.introduces_list("The plan includes:")
    assert not B.introduces_list("Related:")  # a label, not a sentence
    assert B.is_list_item("two study rooms", "a lending library")
    assert not B.is_list_item("Weather Warning Issued For Weekend", "a lending library")


# ------------------------------------------------------------------- search


def test_best_run_is_the_maximum_sum_subarray():
    assert B.best_run([-1, 2, 3, -10, 4], 0, 5) == B.Run(1, 3, 5)
    assert B.best_run([-1, -2], 0, 2) is None
    assert B.best_run([5, -1, 5], 0, 3) == B.Run(0, 3, 9)


def test_clusters_split_at_long_gaps_and_ignore_neutral_lines():
    gap = [False] * B.P.MAX_GAP_LINES
    assert B.clusters([True, True] + gap + [True]) == [(0, 2), (2 + len(gap), 3 + len(gap))]
    assert B.clusters([True, False, None, False, True]) == [(0, 5)]
    assert B.clusters([False] * 10) == []


def test_cosine_and_idf():
    a, b = Counter(station=2, library=1), Counter(station=1, library=1)
    assert 0.9 < B.cosine(a, b) <= 1.0
    assert B.cosine(a, Counter(football=1)) == 0.0
    # a word common in the corpus weighs less: only rare shared words make two bags similar
    idf = {"station": 0.01}.get
    assert B.cosine(Counter(station=1, choir=1), Counter(station=1, bakery=1), lambda w: idf(w, 1.0)) < 0.01


def test_an_article_split_by_a_share_box_stays_whole():
    first = [PROSE, "The station closed to passengers in 1968 and the library plan needs a new roof for the station."]
    box = ["Share this article", "Copied!", "Newsletter", "Get the Courier in your inbox", "Subscribe now", "Most recent", "Sign up"]
    second = ["Residents said the library in the old station would give students a quiet place to work.",
              "The council will publish the station library budget in May, the town's mayor said."]
    menu = ["Home", "News", "Sport", "Weather", "Business", "Culture", "Contact", "About"]
    text = "\n".join(menu + first + box + second + menu[::-1]) + "\n"
    out = B.apply(replace(make_doc(text), title="Library for old station"), Config())
    kept = out.text.split("\n")
    assert all(p in kept for p in first + second)
    assert not any(m in kept for m in menu)


def test_comments_after_the_article_are_not_the_body():
    article = [PROSE, "The station closed to passengers in 1968 and has stood empty since then, its roof patched.",
               "Under the plan, the ticket hall will hold the lending library and the waiting rooms will be study spaces."]
    between = ["Tags: library, station", "Share", "42 comments", "Top rated comments", "View all", "marsh_fan", "2 days ago"]
    comments = []
    for i in range(6):
        comments += [f"user{i}", f"{i + 1} days ago", "I think the library is a fine idea and I hope that they keep the old clock.",
                     f"Rating: {10 - i} votes"]
    text = "\n".join(["Home", "News", "Local", "Sport", "Library for old station"] + article + between + comments) + "\n"
    out = B.apply(replace(make_doc(text), title="Library for old station"), Config())
    kept = out.text.split("\n")
    assert all(p in kept for p in article)
    assert comments[2] not in kept


def test_plain_text_without_furniture_is_untouched():
    text = "\n\n".join([PROSE] * 1 + ["A second paragraph says more about the plan, and it is long enough."]) + "\n"
    assert B.apply(make_doc(text), Config()).edits == ()
    assert B.apply(make_doc(""), Config()).edits == ()


def test_prose_removed_for_its_position_is_scored_at_the_threshold():
    config = Config()
    assert B.removal_score(0.05, config) == 0.95  # furniture: sure
    assert B.removal_score(0.9, config) == pytest.approx(B.review_threshold(config))  # to review
    out = run(CASES[1])
    assert all(e.score >= B.review_threshold(config) for e in out.edits)


def test_threshold_comes_from_the_config_and_review_threshold_matches():
    case = CASES[1]
    strict = run(case, Config(body_threshold=0.95))
    assert len(strict.edits) >= len(run(case).edits)
    assert B.review_threshold(Config(body_threshold=0.3)) == pytest.approx(0.7)


# ------------------------------------------------------- corpus repetition


def test_a_line_repeated_across_the_corpus_is_cut_at_the_edge():
    promo = "Sign up to our newsletter and get the best stories of the week sent to you every Friday morning."
    article = [PROSE, "The station closed to passengers in 1968 and has stood empty since then, its roof patched.",
               "Under the plan, the ticket hall will hold the lending library and the waiting rooms will be study spaces."]
    tail = [promo, "Our journalism is funded by readers like you, and we would be grateful for your support today.",
            "You can cancel your subscription at any time by writing to us, and we will confirm it by email."]
    text = "\n".join(article + tail) + "\n"
    others = [f"Story {i} is about something else entirely, told at length for the readers.\n" + "\n".join(tail)
              for i in range(5)]
    stats = from_texts(others + [text], Config())
    assert stats.is_repeated(promo) and not stats.is_repeated(PROSE)
    without = B.apply(make_doc(text), Config())
    with_stats = B.apply(make_doc(text), Config(), stats)
    assert promo in without.text  # by its shape alone it is prose
    assert promo not in with_stats.text and all(p in with_stats.text for p in article)


# ------------------------------------------------------- pathological input


@pytest.mark.parametrize("char", ["|", ".", "-", " ", '"', "“", "a", "A1 ", "… ", "| x "])
def test_linear_time_on_a_megabyte_line(char):
    line = char * (1_000_000 // len(char))
    text = "Title\n\nA first paragraph of body text, long enough to be read as one.\n\n" + f"{line}\n{line}\n\n" * 2
    start = time.perf_counter()
    B.apply(make_doc(text), Config())
    assert time.perf_counter() - start < 5.0


def test_linear_time_on_many_lines():
    lines = [f"Menu item {i}" if i % 7 else f"Paragraph {i} says that the council said it would act on topic{i % 97}."
             for i in range(60_000)]
    start = time.perf_counter()
    B.apply(replace(make_doc("\n".join(lines)), title="Menu item 3"), Config())
    assert time.perf_counter() - start < 10.0


LINES = st.sampled_from([
    "", PROSE, "Home", "Sport", "The library opens in May.", "The plan includes:", "a lending library",
    "© 2031 Courier", "Rating: 3 votes", "Police appeal for witnesses after bridge collision",
]) | st.text(alphabet=" |.-…abcXYZ19:\n", max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=30), st.sampled_from([None, "Home", "Millbrook library"]))
def test_any_text_replays_and_is_idempotent(lines, title):
    doc = replace(make_doc("\n".join(lines)), title=title)
    out = B.apply(doc, Config())
    assert replay(doc.text, out.edits) == out.text
    assert all(0.0 <= e.score <= 1.0 for e in out.edits)
    assert B.apply(replace(out, edits=()), Config()).text == out.text


def test_whole_pipeline_on_a_page_is_idempotent():
    """Once the navigation is gone, the header stage must not find a subtitle
    in what the first pass kept as body."""
    from pipeline.process import clean_text

    nav = ["Home", "World", "Business", "Science", "Sport", "Culture", "Subscribe", "Sign in"]
    body = ["This story was paid for by a sponsor and all of the views in it are mine alone #ad",
            PROSE, "The station closed to passengers in 1968 and has stood empty since then, its roof patched.",
            "Under the plan, the ticket hall will hold the lending library and the waiting rooms will be study spaces."]
    page = "\n\n".join(["Library for the old station"] + nav + body + nav) + "\n"
    once = clean_text(page)
    again = clean_text((once.title or "") + "\n\n" + once.text)
    assert again.text == once.text
    assert PROSE in once.text


def words_slow(text: str) -> list[str]:
    """B.words() as first written, one word at a time (the reference)."""
    return [m.group().lower().replace("’", "'") for m in P.WORD.finditer(B.sample(text))]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcXYZ İıΣσςΟΔé’'-_0\n\t.,")) | st.characters(), max_size=200))
def test_words_fast_path_equals_word_by_word(text):
    B._words.cache_clear()
    assert list(B.words(text)) == words_slow(text)


def test_words_fast_path_equals_word_by_word_on_the_dev_set():
    from pathlib import Path
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(dev.rglob("*.txt"))]
    assert texts, "the dev set is beside the repo"
    for text in texts:
        for line in text.splitlines():
            assert list(B.words(line)) == words_slow(line)
