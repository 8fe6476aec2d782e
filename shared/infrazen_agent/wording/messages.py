"""User-facing sentences in both languages (one catalogue: add here, not inline): the number
checker's, and the error texts of clients that show a sentence rather than an error code."""

from __future__ import annotations

from .chat_messages import CHAT_MESSAGES, CHAT_PLURALS
from .import_messages import IMPORT_MESSAGES
from .numbers import Lang
from .plural import pick
from .report_messages import REPORT_MESSAGES
from .tool_line_messages import TOOL_LINE_MESSAGES

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
    # A screenshot's reconciliation (screenshots/answer.py): what was read, against the data.
    "screenshot.heading": {"ru": "**Скриншот: {kind}**", "en": "**Screenshot: {kind}**"},
    "screenshot.read_by": {
        "ru": "Прочитан {reader}; {provider}, период {period}.",
        "en": "Read by {reader}; {provider}, period {period}.",
    },
    "screenshot.reader.ocr": {"ru": "распознаванием текста (Tesseract)", "en": "text recognition (Tesseract)"},
    "screenshot.reader.vision": {"ru": "моделью зрения", "en": "a vision model"},
    "screenshot.provider_unknown": {"ru": "провайдер не назван", "en": "provider not named"},
    "screenshot.period_unknown": {"ru": "не указан", "en": "not stated"},
    "screenshot.kind.invoice": {"ru": "счёт", "en": "invoice"},
    "screenshot.kind.billing_console": {"ru": "консоль биллинга", "en": "billing console"},
    "screenshot.kind.cost_chart": {"ru": "график расходов", "en": "cost chart"},
    "screenshot.kind.metrics_graph": {"ru": "график метрик", "en": "metrics graph"},
    "screenshot.kind.terminal": {"ru": "терминал", "en": "terminal"},
    "screenshot.kind.other": {"ru": "изображение", "en": "image"},
    "screenshot.verdict.matches": {
        "ru": "✅ Совпадает с данными InfraZen: все строки и итог.",
        "en": "✅ Matches the InfraZen data: every line and the total.",
    },
    "screenshot.verdict.differs": {
        "ru": "⚠️ Есть расхождения с данными InfraZen:",
        "en": "⚠️ It differs from the InfraZen data:",
    },
    "screenshot.verdict.partial": {
        "ru": "Сопоставленные строки совпадают, но не всё удалось сопоставить:",
        "en": "The lines that could be matched agree, but not everything matched:",
    },
    "screenshot.verdict.no_data": {"ru": "Сравнить не с чем.", "en": "There is nothing to compare it with."},
    "screenshot.verdict.not_billing": {
        "ru": "Сумм на изображении не найдено: это не счёт, или цифры не читаются. Пришлите скриншот крупнее.",
        "en": "No amounts were found on the image: it is not a bill, or the figures are not legible. "
        "Send a larger one.",
    },
    "screenshot.total": {
        "ru": "- Итог: на скриншоте {shot}, в данных {data}",
        "en": "- Total: {shot} on the screenshot, {data} in the data",
    },
    "screenshot.line_differs": {
        "ru": "- {label}: на скриншоте {shot}, в данных {data}, разница {delta} ({pct}); вероятная причина: {reason}",
        "en": "- {label}: {shot} on the screenshot, {data} in the data, a difference of {delta} ({pct}); "
        "likely reason: {reason}",
    },
    "screenshot.line_unknown": {
        "ru": "- {label}: на скриншоте {shot}; в данных такой строки нет",
        "en": "- {label}: {shot} on the screenshot; the data has no such line",
    },
    "screenshot.line_missing": {
        "ru": "- {label}: в данных {data}; на скриншоте этой строки нет",
        "en": "- {label}: {data} in the data; not on the screenshot",
    },
    "screenshot.utilisation": {
        "ru": "- {label}: {value} (со скриншота)",
        "en": "- {label}: {value} (from the screenshot)",
    },
    "screenshot.low_confidence": {
        "ru": "Часть цифр прочитана неуверенно: сверьте их с оригиналом.",
        "en": "Some figures were read with low confidence: check them against the original.",
    },
    "screenshot.unreadable": {
        "ru": "Скриншот не удалось прочитать: {reason}.",
        "en": "The screenshot could not be read: {reason}.",
    },
    "screenshot.error.unavailable": {
        "ru": "распознавание текста на этом сервере не установлено (tesseract-ocr), а модели зрения нет",
        "en": "text recognition is not installed on this server (tesseract-ocr) and there is no vision model",
    },
    "screenshot.error.not_found": {
        "ru": "изображение не найдено или устарело",
        "en": "the image was not found or expired",
    },
    "screenshot.error.timeout": {"ru": "чтение заняло слишком долго", "en": "reading it took too long"},
    "screenshot.error.other": {"ru": "внутренняя ошибка", "en": "an internal error"},
    "screenshot.no_data.other_provider": {
        "ru": "Скриншот из {provider}: этот провайдер не подключён к InfraZen.",
        "en": "The screenshot is from {provider}, which is not connected to InfraZen.",
    },
    "screenshot.no_data.provider_unknown": {
        "ru": "Провайдер на скриншоте не назван, и итог не совпал ни с одним подключённым.",
        "en": "The screenshot names no provider, and its total matches none of the connected ones.",
    },
    "screenshot.no_data.currency": {
        "ru": "Валюта скриншота не совпадает с валютой данных: суммы не сравниваются.",
        "en": "The screenshot's currency is not the data's: amounts are not compared.",
    },
    "screenshot.no_data.no_costs": {
        "ru": "В данных нет расходов {provider} за этот период.",
        "en": "The data has no {provider} costs for this period.",
    },
    "screenshot.reason.vat_included": {"ru": "на скриншоте сумма с НДС", "en": "the screenshot includes VAT"},
    "screenshot.reason.vat_excluded": {"ru": "на скриншоте сумма без НДС", "en": "the screenshot excludes VAT"},
    "screenshot.reason.daily_vs_monthly": {
        "ru": "сумма за день сравнивается с суммой за период",
        "en": "a daily figure against a figure for the period",
    },
    "screenshot.reason.period_boundaries": {
        "ru": "границы периода (расходы за день-два попали в другой период)",
        "en": "the period's boundaries (a day or two of spend fell into another period)",
    },
    "screenshot.reason.another_account": {
        "ru": "другой аккаунт или договор, не подключённый к InfraZen",
        "en": "another account or contract, not connected to InfraZen",
    },
    "screenshot.reason.low_confidence": {
        "ru": "цифра прочитана неуверенно, сверьте с оригиналом",
        "en": "the figure was read with low confidence; check the original",
    },
    "screenshot.reason.unexplained": {
        "ru": "не объясняется НДС, периодом или единицами: проверьте счёт",
        "en": "not explained by VAT, the period or units: check the bill",
    },
    # The offline answer to a guidance question (knowledge/answer.py): cited passages.
    "knowledge.heading": {"ru": "**Из базы знаний InfraZen**", "en": "**From the InfraZen knowledge base**"},
    "knowledge.passage": {
        "ru": "**{title}** ({kind}, {date}; источник {passage_id})",
        "en": "**{title}** ({kind}, {date}; source {passage_id})",
    },
    "knowledge.kind.guide": {"ru": "база знаний", "en": "knowledge base"},
    "knowledge.kind.report": {"ru": "ваш отчёт", "en": "your report"},
    "knowledge.kind.recommendation_text": {"ru": "текст рекомендации", "en": "recommendation text"},
    "knowledge.in_english": {"ru": "материал на английском", "en": "in English"},
    "knowledge.in_russian": {"ru": "материал на русском", "en": "in Russian"},
    "knowledge.undated": {"ru": "без даты", "en": "undated"},
    "knowledge.nothing": {
        "ru": "В базе знаний не нашлось подходящих материалов. Спросите о провайдерах (Selectel, Yandex Cloud, "
        "Beget, VK Cloud), колонках FOCUS, rightsizing, очистке ресурсов, резервировании или тегах.",
        "en": "Nothing in the knowledge base fits this question. Ask about the providers (Selectel, Yandex Cloud, "
        "Beget, VK Cloud), FOCUS columns, rightsizing, cleanup, commitments or tagging.",
    },
    "knowledge.unavailable": {
        "ru": "База знаний сейчас недоступна. Повторите вопрос через минуту.",
        "en": "The knowledge base is unavailable for a moment. Ask again in a minute.",
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

MESSAGES.update(REPORT_MESSAGES)
MESSAGES.update(CHAT_MESSAGES)
PLURALS = CHAT_PLURALS
MESSAGES.update(IMPORT_MESSAGES)
MESSAGES.update(TOOL_LINE_MESSAGES)


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


def count(key: str, n: float, lang: str) -> str:
    """A count with its noun in the right plural form ("3 узла", "1 node")."""
    language: Lang = "en" if lang == "en" else "ru"
    return pick(PLURALS[key][language], n, language)
