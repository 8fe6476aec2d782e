"""User-facing sentences in both languages (one catalogue: add here, not inline): the number
checker's, and the error texts of clients that show a sentence rather than an error code."""

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
    # Errors by code, for the InfraZen client (it shows the text of an assistant frame).
    "error.session_busy": {
        "ru": "В очереди этого чата уже 10 вопросов. Дождитесь ответов и отправьте вопрос снова.",
        "en": "Ten questions already wait in this chat. Wait for their answers, then send your question again.",
    },
    "error.rate_limited": {
        "ru": "Слишком много запросов подряд. Подождите минуту и повторите.",
        "en": "Too many requests in a row. Wait a minute and try again.",
    },
    "error.budget_exceeded": {
        "ru": "Дневной лимит ассистента исчерпан. Он снова будет доступен завтра.",
        "en": "The assistant's daily limit is used up. It will be available again tomorrow.",
    },
    "error.not_found": {
        "ru": "Этот чат не найден или устарел. Обновите страницу.",
        "en": "This chat was not found or has expired. Reload the page.",
    },
    "error.image_not_found": {
        "ru": "Изображение не найдено или устарело. Загрузите его заново.",
        "en": "The image was not found or has expired. Upload it again.",
    },
    "error.invalid_input": {
        "ru": "Сообщение не принято: оно пустое или слишком длинное (до 8 000 символов).",
        "en": "The message was not accepted: it is empty or too long (up to 8,000 characters).",
    },
    "error.control_chars": {
        "ru": "Сообщение не принято: в нём есть управляющие символы (например, NUL). Уберите их и отправьте снова.",
        "en": "The message was not accepted: it contains control characters (such as NUL). Remove them and resend.",
    },
    "error.unavailable": {
        "ru": "Ассистент временно недоступен. Повторите через минуту.",
        "en": "The assistant is unavailable for a moment. Try again in a minute.",
    },
    "error.answer_failed": {
        "ru": "Не удалось подготовить ответ. Повторите вопрос.",
        "en": "The answer could not be prepared. Ask again.",
    },
    # The report page (reports/html.py).
    "report.title": {"ru": "Отчёт FinOps: {persona}", "en": "FinOps report: {persona}"},
    "report.persona.cfo": {"ru": "финансовый директор", "en": "CFO"},
    "report.persona.cto": {"ru": "технический директор", "en": "CTO"},
    "report.persona.product": {"ru": "владелец продукта", "en": "product owner"},
    "report.persona.finops": {"ru": "FinOps-специалист", "en": "Head of FinOps"},
    "report.period": {"ru": "Период: последние {days} дн. (по {end})", "en": "Period: the last {days} days (to {end})"},
    "report.spend": {"ru": "Расходы за период", "en": "Spend in the period"},
    "report.run_rate": {"ru": "Текущий темп в месяц", "en": "Current monthly run rate"},
    "report.change": {"ru": "К предыдущему периоду", "en": "Against the previous period"},
    "report.savings": {"ru": "Потенциальная экономия", "en": "Potential savings"},
    "report.open_recommendations": {"ru": "Открытых рекомендаций", "en": "Open recommendations"},
    "report.anomalies": {"ru": "Аномалий расходов", "en": "Cost anomalies"},
    "report.providers": {"ru": "Расходы по провайдерам", "en": "Spend by provider"},
    "report.services": {"ru": "Расходы по сервисам", "en": "Spend by service"},
    "report.top_recommendations": {"ru": "Главные рекомендации", "en": "Top recommendations"},
    "report.col.name": {"ru": "Название", "en": "Name"},
    "report.col.amount": {"ru": "Сумма", "en": "Amount"},
    "report.col.share": {"ru": "Доля", "en": "Share"},
    "report.col.recommendation": {"ru": "Рекомендация", "en": "Recommendation"},
    "report.col.savings_month": {"ru": "Экономия в месяц", "en": "Savings a month"},
    "report.col.savings_year": {"ru": "В год", "en": "A year"},
    "report.none": {"ru": "Нет данных за период.", "en": "No data for the period."},
    "report.sources": {
        "ru": "Все числа взяты из данных InfraZen через инструменты: {sources}. Сформировано {at}.",
        "en": "Every figure comes from the InfraZen data through the tools: {sources}. Generated {at}.",
    },
}

# Error codes of a failed turn or frame -> the catalogue key of the sentence shown for it.
ERROR_KEYS = {
    "session_busy": "error.session_busy",
    "conflict": "error.session_busy",
    "rate_limited": "error.rate_limited",
    "budget_exceeded": "error.budget_exceeded",
    "not_found": "error.not_found",
    "invalid_input": "error.invalid_input",
    "bad_request": "error.invalid_input",
    "payload_too_large": "error.invalid_input",
    "unavailable": "error.unavailable",
    "llm_unavailable": "error.unavailable",
    "timeout": "error.answer_failed",
    "llm_stream_error": "error.answer_failed",
    "turn_lost": "error.answer_failed",
}


def error_text(code: str, detail: str, lang: str) -> str:
    """The sentence a user reads for an error (the English technical `detail` only picks it)."""
    if code == "not_found" and ("upload" in detail or "image" in detail):
        return message("error.image_not_found", lang)
    if code == "invalid_input" and "control characters" in detail:
        return message("error.control_chars", lang)
    return message(ERROR_KEYS.get(code, "error.answer_failed"), lang)


def message(key: str, lang: str, **values: object) -> str:
    text = MESSAGES[key]["en" if lang == "en" else "ru"]
    return text.format(**values) if values else text
