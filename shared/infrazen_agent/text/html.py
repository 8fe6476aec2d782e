"""The two HTML fields the existing InfraZen app stores: built from escaped pieces, then passed
through an allow-list sanitiser (`<strong>` and `<span class="provider-name">` only) as a last
line of defence — a resource name like `<img src=x onerror=…>` always comes out as inert text.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

SHORT_LIMIT = 80
DETAILED_LIMIT = 300


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def strong(text: object) -> str:
    return f"<strong>{esc(text)}</strong>"


def provider(name: object) -> str:
    return f'<span class="provider-name">{esc(name)}</span>'


class _AllowList(HTMLParser):
    """Re-emits text escaped and only the allowed tags; everything else becomes text or nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "strong" and not attrs:
            self.out.append("<strong>")
            self.stack.append("strong")
        elif tag == "span" and attrs == [("class", "provider-name")]:
            self.out.append('<span class="provider-name">')
            self.stack.append("span")
        # any other tag (img, script, a, span with other attributes…) is dropped

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.stack))


def sanitize(fragment: str) -> str:
    parser = _AllowList()
    parser.feed(fragment)
    return parser.result()


def visible_length(fragment: str) -> int:
    parser = _AllowList()
    parser.feed(fragment)
    parser.close()
    return len(html.unescape("".join(p for p in parser.out if not p.startswith("<"))))


def fit(parts: list[str], limit: int) -> str:
    """Join sentence pieces, dropping trailing ones until the visible text fits the limit."""
    chosen = list(parts)
    while len(chosen) > 1 and visible_length(" ".join(chosen)) > limit:
        chosen.pop()
    return sanitize(" ".join(chosen))
