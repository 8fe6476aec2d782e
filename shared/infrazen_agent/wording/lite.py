"""Answers rewritten for the existing InfraZen client's renderer, which knows `**bold**` and line
breaks only (it HTML-escapes the text, turns `**x**` into bold and `\\n` into `<br>`, and collapses
leading spaces). Everything else markdown can say is said with those two: headings become bold
lines, italics and code plain text, bullets "• " (nested ones "– "), tables one line per row
("Column: value; …"), links "text (address)". Numbered items stay as written.
"""

from __future__ import annotations

import re
from itertools import zip_longest

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d{1,3}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_BOLD_ITALIC = re.compile(r"\*\*\*(.+?)\*\*\*|___(.+?)___")
_UNDERSCORE_BOLD = re.compile(r"(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])")
_STAR_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_UNDERSCORE_ITALIC = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_CODE = re.compile(r"`+([^`]+?)`+")
_LINK = re.compile(r"!?\[([^\]]+)\]\(([^)\s]+)\)")
_STRIKE = re.compile(r"~~(.+?)~~")


def for_infrazen_client(markdown: str) -> str:
    """`markdown` in what the InfraZen client renders: bold and line breaks only."""
    out: list[str] = []
    header: list[str] | None = None
    rows = 0
    in_code = False

    def end_table() -> None:
        nonlocal header, rows
        if header is not None and rows == 0:  # a lone row (or a header with no body): its cells
            out.append("• " + "; ".join(c for c in header if c))
        header, rows = None, 0

    for line in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            end_table()
            in_code = not in_code
            continue
        if in_code:
            out.append(line.strip())
            continue
        if _is_table_row(line):
            if _TABLE_RULE.match(line):
                continue
            cells = _cells(line)
            if header is None:
                header = cells
                continue
            rows += 1
            pairs = zip_longest(header, cells, fillvalue="")
            out.append("• " + "; ".join(_pair(h, c) for h, c in pairs if c))
            continue
        end_table()
        out.append(_line(line))
    end_table()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _line(line: str) -> str:
    if _RULE.match(line):
        return ""
    line = _QUOTE.sub("", line)
    if m := _HEADING.match(line):
        title = _inline(m.group(1)).replace("**", "")
        return f"**{title}**" if title else ""
    if m := _BULLET.match(line):
        return ("– " if len(m.group(1).expandtabs(4)) >= 2 else "• ") + _inline(m.group(2))
    if m := _NUMBERED.match(line):
        return f"{m.group(2)} {_inline(m.group(3))}"
    return _inline(line.strip())


def _inline(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    text = _CODE.sub(r"\1", text)
    text = _BOLD_ITALIC.sub(lambda m: f"**{m.group(1) or m.group(2)}**", text)
    text = _UNDERSCORE_BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"\1", text)
    # italics between the bold markers, so that "**a**" is never read as "*" + "*a*" + "*"
    parts = text.split("**")
    return "**".join(_UNDERSCORE_ITALIC.sub(r"\1", _STAR_ITALIC.sub(r"\1", part)) for part in parts)


def _is_table_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and stripped.count("|") >= 2


def _cells(line: str) -> list[str]:
    """The cells of a table row: split at pipes that are neither escaped nor inside `code`."""
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    cells, cell, code = [], [], False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            cell.append("|")
            i += 2
            continue
        if ch == "`":
            code = not code
        if ch == "|" and not code:
            cells.append("".join(cell))
            cell = []
        else:
            cell.append(ch)
        i += 1
    cells.append("".join(cell))
    return [_inline(c.strip()).replace("|", "/") for c in cells]


def _pair(head: str, cell: str) -> str:
    head = head.replace("**", "")
    return f"{head}: {cell}" if head else cell
