"""User-facing sentences of the number checker, in both languages (one catalogue: add here, not inline)."""

from __future__ import annotations

from .numbers import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    # Put right after a figure that no tool backs.
    "grounding.untraced_mark": {"ru": " [⚠ не подтверждено данными]", "en": " [⚠ not confirmed by the data]"},
    # Closing line of an answer that still carries such figures.
    "grounding.untraced_note": {
        "ru": "⚠ Отмеченные числа не найдены в данных InfraZen: не опирайтесь на них без проверки.",
        "en": "⚠ The marked figures were not found in the InfraZen data: check them before relying on them.",
    },
    # The corrective re-ask, sent to the model (not shown to users).
    "grounding.reask": {
        "ru": "В ответе есть числа, которых нет в данных инструментов: {figures}. Перепиши ответ целиком: "
        "исправь или убери эти числа, используй только числа из данных (с валютой и периодом), "
        "ничего не добавляй. Ответь только новым текстом ответа.",
        "en": "Your answer contains figures that are not in the tool data: {figures}. Rewrite the whole answer: "
        "correct or remove those figures, use only numbers from the data (with currency and period), add "
        "nothing else. Reply with the new answer text only.",
    },
}


def message(key: str, lang: str, **values: object) -> str:
    text = MESSAGES[key]["en" if lang == "en" else "ru"]
    return text.format(**values) if values else text
