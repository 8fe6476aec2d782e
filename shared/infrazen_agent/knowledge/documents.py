"""The curated FinOps base: markdown files in `content/`, shipped in the package.

Each file opens with a small header between `---` lines:

    ---
    id: selectel-ru          (the source id: unique, stable; passages are "<id>#<anchor>")
    title: Selectel: notes for FinOps
    language: ru             (ru | en)
    date: 2026-12-01         (the revision date shown beside a cited passage)
    ---

then `##` / `###` sections, each heading ending in an explicit anchor (`## Egress {#egress}`) so
that passage ids survive edits of the wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

_HEADER = re.compile(r"\A---\n(?P<head>.*?)\n---\n", re.DOTALL)
_FIELD = re.compile(r"^(?P<key>[a-z_]+):\s*(?P<value>.*?)\s*$")
_REQUIRED = ("id", "title", "language", "date")


@dataclass(frozen=True)
class Document:
    source_id: str
    title: str
    language: str
    day: date | None
    text: str  # the markdown body, header removed


def parse_document(raw: str, name: str = "document") -> Document:
    """A document from its file text; a missing or malformed header raises ValueError."""
    match = _HEADER.match(raw.replace("\r\n", "\n"))
    if match is None:
        raise ValueError(f"{name}: no '---' header")
    fields: dict[str, str] = {}
    for line in match["head"].splitlines():
        if line.strip() and (m := _FIELD.match(line)):
            fields[m["key"]] = m["value"]
    missing = [k for k in _REQUIRED if not fields.get(k)]
    if missing:
        raise ValueError(f"{name}: header lacks {', '.join(missing)}")
    if fields["language"] not in ("ru", "en"):
        raise ValueError(f"{name}: language is ru or en, not {fields['language']!r}")
    return Document(
        source_id=fields["id"],
        title=fields["title"],
        language=fields["language"],
        day=date.fromisoformat(fields["date"]),
        text=raw.replace("\r\n", "\n")[match.end() :].strip() + "\n",
    )


@cache
def guide_documents() -> tuple[Document, ...]:
    """Every packaged document, by file name; source ids are unique."""
    folder = resources.files("infrazen_agent.knowledge") / "content"
    docs = [
        parse_document(entry.read_text(encoding="utf-8"), entry.name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".md")
    ]
    ids = [d.source_id for d in docs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate knowledge source ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    return tuple(docs)
