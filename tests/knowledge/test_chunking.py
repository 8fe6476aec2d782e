"""Documents into passages: the packaged base's headers, passage sizes and ids, heading paths as
titles, long sections split at paragraphs, and every figure in a passage typed (so that a figure
quoted from it traces: the grounding checker cannot trace a bare number)."""

from __future__ import annotations

import pytest

from infrazen_agent.agent.grounding import extract_claims
from infrazen_agent.knowledge.chunking import MAX_WORDS, MIN_TAIL_WORDS, TITLE_SEPARATOR, Chunk, chunk_markdown
from infrazen_agent.knowledge.documents import guide_documents, parse_document

PROVIDERS = ("selectel", "yandex-cloud", "beget", "vk-cloud")
TOPICS = ("focus", "rightsizing", "cleanup", "commitments", "tagging", "pricing-basics", "migration")


def all_chunks() -> list[tuple[str, str, Chunk]]:
    return [
        (d.source_id, d.language, c) for d in guide_documents() for c in chunk_markdown(d.source_id, d.title, d.text)
    ]


def test_the_base_covers_every_provider_and_topic_in_both_languages() -> None:
    ids = {d.source_id for d in guide_documents()}
    assert ids == {f"{name}-{lang}" for name in (*PROVIDERS, *TOPICS) for lang in ("ru", "en")}
    chunks = all_chunks()
    assert 60 <= len(chunks) <= 120
    by_lang = {
        lang: {c.passage_id.replace(f"-{lang}#", "#") for _, language, c in chunks if language == lang}
        for lang in ("ru", "en")
    }
    assert by_lang["ru"] == by_lang["en"]  # each passage exists in both languages, under the same anchor


def test_passages_are_sized_titled_and_uniquely_identified() -> None:
    chunks = [c for _, _, c in all_chunks()]
    ids = [c.passage_id for c in chunks]
    assert len(set(ids)) == len(ids)
    for c in chunks:
        assert 80 <= c.words <= MAX_WORDS, (c.passage_id, c.words)
        assert TITLE_SEPARATOR in c.title and "{#" not in c.title
        assert "\n" not in c.content  # wrapped lines are joined: a passage reads as prose
    first = next(c for c in chunks if c.passage_id == "selectel-ru#egress")
    assert first.title == "Selectel › Исходящий трафик и сеть"


def test_every_figure_in_a_guide_is_typed() -> None:
    """Bare numbers ("FOCUS 1.3", "10 000 операций") cannot be traced to a fact: the base writes
    figures with their unit (%, days, GB, vCPU, hours) or as words. 12 and 730 are the declared
    conversions (months a year, hours a month)."""
    bare = [
        (c.passage_id, claim.text)
        for _, _, c in all_chunks()
        for claim in extract_claims(c.content)
        if claim.kind == "number" and claim.value not in (12.0, 730.0)
    ]
    assert not bare


def test_sections_split_at_paragraphs_with_a_short_tail_joined() -> None:
    para = " ".join(["word"] * 245) + "."
    tail = "a tail of a few words only."
    text = (
        f"Lead-in before any heading.\n\n## Long {{#long}}\n\n{para}\n\n{para}\n\n{para}\n\n{tail}\n\n### Sub\n\nshort"
    )
    chunks = chunk_markdown("doc-en", "Doc", text)
    ids = [c.passage_id for c in chunks]
    assert ids == ["doc-en#intro", "doc-en#long", "doc-en#long-2", "doc-en#long-3", "doc-en#sub"]
    assert chunks[3].content.endswith(tail)  # under 40 words: joined to the piece before
    assert all(c.words <= MAX_WORDS + MIN_TAIL_WORDS for c in chunks)
    assert chunks[4].title == "Doc › Long › Sub" and [c.position for c in chunks] == [0, 1, 2, 3, 4]


def test_one_huge_paragraph_is_cut_between_sentences() -> None:
    sentence = "This sentence has exactly eight words in it. "
    chunks = chunk_markdown("d", "D", "## S\n\n" + sentence * 80)
    assert len(chunks) >= 3 and all(c.words <= MAX_WORDS for c in chunks)
    assert all(c.content.endswith(".") for c in chunks)


def test_headings_without_anchors_and_lists_keep_stable_ids() -> None:
    text = "## Итоги\n\n- первый пункт\n- второй пункт\n\n## Summary\n\ntext\n\n## Summary\n\nagain"
    chunks = chunk_markdown("report/1", "R", text)
    assert [c.passage_id for c in chunks] == ["report/1#s1", "report/1#summary", "report/1#summary-2"]
    assert chunks[0].content == "- первый пункт\n- второй пункт"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("no header", "no '---' header"),
        ("---\nid: x\ntitle: X\nlanguage: ru\n---\nbody", "lacks date"),
        ("---\nid: x\ntitle: X\nlanguage: de\ndate: 2026-01-01\n---\nbody", "ru or en"),
    ],
)
def test_a_malformed_header_is_refused(raw: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_document(raw)
