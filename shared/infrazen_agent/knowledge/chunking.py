"""Documents into passages: one per section (heading), long sections split at paragraphs (then
sentences) into pieces of at most MAX_WORDS; a short tail joins the piece before it. Each passage
keeps its heading path as its title ("Selectel › Egress"), so a passage read alone still says
what it is about, and full-text search weighs those words highest."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 250
MIN_TAIL_WORDS = 40  # a last piece shorter than this joins the one before
TITLE_SEPARATOR = " › "
CHUNKER_VERSION = "1"  # part of every document's content hash: a new chunker re-indexes

_HEADING = re.compile(r"^(?P<level>#{1,4})\s+(?P<text>.*?)\s*(?:\{#(?P<anchor>[A-Za-z0-9][\w-]*)\})?\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁ0-9«\"(])")
_SLUG = re.compile(r"[^a-z0-9]+")
_LINE_START = re.compile(r"(?:[-*+]|\d+[.)]|\|)\s")  # a list item or a table row starts its own line


@dataclass(frozen=True)
class Chunk:
    passage_id: str
    position: int
    title: str
    content: str

    @property
    def words(self) -> int:
        return len(self.content.split())


@dataclass
class _Section:
    path: list[str]
    anchor: str
    lines: list[str]


def _words(text: str) -> int:
    return len(text.split())


def _joined(lines: list[str]) -> str:
    """A block's lines as prose: wrapped lines joined by spaces, list items and table rows kept on
    their own lines."""
    out: list[str] = []
    for line in lines:
        text = line.strip()
        if out and not _LINE_START.match(text):
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
    return "\n".join(out)


def _paragraphs(lines: list[str]) -> list[str]:
    """Blocks separated by blank lines; a list stays one block with its lead-in line."""
    blocks: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(_joined(current))
            current = []
    if current:
        blocks.append(_joined(current))
    return blocks


def _split_long(block: str) -> list[str]:
    """A paragraph longer than MAX_WORDS, cut between sentences (between words as a last resort)."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(block):
        if _words(sentence) > MAX_WORDS:
            words = sentence.split()
            parts = [" ".join(words[i : i + MAX_WORDS]) for i in range(0, len(words), MAX_WORDS)]
        else:
            parts = [sentence]
        for part in parts:
            if current and _words(current) + _words(part) > MAX_WORDS:
                pieces.append(current)
                current = part
            else:
                current = f"{current} {part}".strip()
    if current:
        pieces.append(current)
    return pieces


def _pack(blocks: list[str]) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    for block in blocks:
        for part in _split_long(block) if _words(block) > MAX_WORDS else [block]:
            if current and _words("\n\n".join(current)) + _words(part) > MAX_WORDS:
                pieces.append("\n\n".join(current))
                current = []
            current.append(part)
    if current:
        tail = "\n\n".join(current)
        if pieces and _words(tail) < MIN_TAIL_WORDS:
            pieces[-1] = f"{pieces[-1]}\n\n{tail}"
        else:
            pieces.append(tail)
    return pieces


def _anchor(text: str, explicit: str | None, n: int, used: set[str]) -> str:
    anchor = (explicit or _SLUG.sub("-", text.lower()).strip("-") or f"s{n}").lower()
    if not explicit and not anchor.isascii():
        anchor = f"s{n}"
    base, i = anchor, 2
    while anchor in used:
        anchor, i = f"{base}-{i}", i + 1
    used.add(anchor)
    return anchor


def _sections(title: str, text: str) -> list[_Section]:
    sections = [_Section([title], "intro", [])]
    stack: list[tuple[int, str]] = []
    used = {"intro"}
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m is None:
            sections[-1].lines.append(line)
            continue
        level = len(m["level"])
        if level == 1:  # the document's own title: the header already names it
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, m["text"]))
        anchor = _anchor(m["text"], m["anchor"], len(sections), used)
        sections.append(_Section([title, *(t for _, t in stack)], anchor, []))
    return sections


def chunk_markdown(source_id: str, title: str, text: str) -> list[Chunk]:
    """The passages of one markdown document, in order; ids are `<source_id>#<anchor>[-n]`."""
    chunks: list[Chunk] = []
    for section in _sections(title, text):
        for i, piece in enumerate(_pack(_paragraphs(section.lines))):
            suffix = f"-{i + 1}" if i else ""
            chunks.append(
                Chunk(
                    passage_id=f"{source_id}#{section.anchor}{suffix}",
                    position=len(chunks),
                    title=TITLE_SEPARATOR.join(section.path),
                    content=piece,
                )
            )
    return chunks
