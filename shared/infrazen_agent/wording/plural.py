"""Plural forms (CLDR rules for Russian and English): "1 узел, 2 узла, 5 узлов", "1 node, 2 nodes".

A catalogue entry with forms is a dict per language: {"one": …, "few": …, "many": …} for Russian,
{"one": …, "other": …} for English; each form may hold `{n}`, written by the one formatter.
"""

from __future__ import annotations

from .numbers import Lang, format_number


def plural_category(n: float, lang: Lang) -> str:
    """The CLDR cardinal category of `n`: Russian one/few/many (other for fractions), English one/other."""
    if lang == "en":
        return "one" if n == 1 else "other"
    if not float(n).is_integer():
        return "other"
    i = abs(int(n))
    if i % 10 == 1 and i % 100 != 11:
        return "one"
    if 2 <= i % 10 <= 4 and not 12 <= i % 100 <= 14:
        return "few"
    return "many"


def pick(forms: dict[str, str], n: float, lang: Lang) -> str:
    """The form of `forms` for `n`, with `{n}` filled ("other" stands in for a missing form)."""
    category = plural_category(n, lang)
    text = forms.get(category) or forms.get("other") or forms.get("many") or next(iter(forms.values()))
    return text.replace("{n}", format_number(n, lang))
