"""The offline chat's wording (chat/offline.py and the tool lines), RU and EN: part of the one
catalogue (messages.MESSAGES takes these in). Figures are never written here: each
`{placeholder}` is filled by the one formatter."""

from __future__ import annotations

from .numbers import Lang

CHAT_MESSAGES: dict[str, dict[Lang, str]] = {
    "chat.offline_label": {
        "ru": "_Офлайн-режим: языковая модель недоступна, ответ собран из ваших данных инструментами InfraZen._",
        "en": "_Offline mode: no language model is available; this answer is assembled from your data by "
        "InfraZen's tools._",
    },
    "chat.hint.recommendation": {
        "ru": "Можно спросить: сколько сэкономим, почему ресурс дорогой, альтернативы, загрузка, трудозатраты, "
        "план, риски, цены.",
        "en": "You can ask about: the savings, why the resource costs so much, alternatives, utilisation, effort, "
        "the plan, risks, prices.",
    },
    "chat.hint.analytics": {
        "ru": "Можно спросить: обзор, тренд, сервисы (например, Kubernetes), провайдеры, аномалии, экономия, "
        "простаивающие ресурсы, прогноз, отчёт.",
        "en": "You can ask about: the overview, the trend, services (Kubernetes, say), providers, anomalies, "
        "savings, idle resources, the forecast, a report.",
    },
    "chat.unknown.recommendation": {
        "ru": "Не понял вопрос. Без языковой модели я отвечаю на вопросы об этой рекомендации по данным, например: "
        "«Сколько сэкономим в год?», «Почему этот сервер дорогой?», «Какие есть альтернативы?», «Какие риски?».",
        "en": "I did not understand the question. Without a language model I answer questions about this "
        'recommendation from the data, for example: "How much will we save per year?", "Why is this server '
        'so expensive?", "What are the alternatives?", "What are the risks?".',
    },
    "chat.unknown.analytics": {
        "ru": "Не понял вопрос. Без языковой модели я отвечаю на вопросы о ваших расходах по данным, например: "
        "«Сколько мы тратим на Kubernetes?», «Какие серверы простаивают?», «Какой прогноз на следующий месяц?», "
        "«Покажи тренд по неделям».",
        "en": "I did not understand the question. Without a language model I answer questions about your costs "
        'from the data, for example: "How much do we spend on Kubernetes?", "Which servers are idle?", '
        '"What is the forecast for next month?", "Show the trend by week".',
    },
    "chat.unknown.context": {"ru": "**Коротко по данным**", "en": "**In short, from the data**"},
    # A tool that gave nothing, by error code (the tool's own name is not shown to people).
    "chat.missing.not_found": {"ru": "нет данных за этот период", "en": "no data for this period"},
    "chat.missing.unavailable": {"ru": "источник данных недоступен", "en": "the data source is unavailable"},
    "chat.missing.timeout": {"ru": "данные не пришли вовремя", "en": "the data did not arrive in time"},
    "chat.missing.other": {"ru": "данные получить не удалось", "en": "the data could not be read"},
    # Intent headings
    "chat.intent.overview": {"ru": "Обзор расходов", "en": "Cost overview"},
    "chat.intent.trend": {"ru": "Динамика расходов", "en": "Cost trend"},
    "chat.intent.change": {"ru": "Изменение расходов", "en": "Change in spend"},
    "chat.intent.services": {"ru": "Расходы по сервисам", "en": "Cost by service"},
    "chat.intent.providers": {"ru": "Расходы по провайдерам", "en": "Cost by provider"},
    "chat.intent.anomalies": {"ru": "Аномалии", "en": "Anomalies"},
    "chat.intent.recommendations": {"ru": "Возможная экономия", "en": "Savings potential"},
    "chat.intent.idle": {"ru": "Простаивающие и неиспользуемые ресурсы", "en": "Idle and unused resources"},
    "chat.intent.forecast": {"ru": "Прогноз расходов", "en": "Cost forecast"},
    "chat.intent.inventory": {"ru": "Ресурсы и подключения", "en": "Resources and connections"},
    "chat.intent.summary": {"ru": "Рекомендация", "en": "The recommendation"},
    "chat.intent.savings": {"ru": "Экономия", "en": "Savings"},
    "chat.intent.why_expensive": {"ru": "Из чего складывается стоимость", "en": "What the cost is made of"},
    "chat.intent.alternatives": {"ru": "Альтернативы", "en": "Alternatives"},
    "chat.intent.effort": {"ru": "Трудозатраты", "en": "Effort"},
    "chat.intent.plan": {"ru": "План", "en": "Plan"},
    "chat.intent.risks": {"ru": "Риски", "en": "Risks"},
    "chat.intent.utilisation": {"ru": "Загрузка ресурса", "en": "Resource utilisation"},
    "chat.intent.prices": {"ru": "Цены", "en": "Prices"},
    # Leads: the direct answer, before the supporting figures.
    "chat.lead.change": {
        "ru": "За {span} расходы составили {amount}, за предыдущие {days} дн. — {previous}: {pct}.",
        "en": "{span}: spent {amount}; the {days} days before: {previous} ({pct}).",
    },
    "chat.lead.change_unknown": {
        "ru": "За {span} расходы составили {amount}; за предыдущий период данных нет, сравнить не с чем.",
        "en": "{span}: spent {amount}; there is no data for the period before, so nothing to compare with.",
    },
    "chat.lead.change_up": {
        "ru": "Больше всего выросли: {items}.",
        "en": "Grew the most: {items}.",
    },
    "chat.lead.change_down": {
        "ru": "Больше всего снизились: {items}.",
        "en": "Fell the most: {items}.",
    },
    "chat.lead.change_named": {"ru": "{item}.", "en": "{item}."},
    "chat.lead.change_item": {
        "ru": "{name} — с {previous} до {amount} ({pct})",
        "en": "{name}, from {previous} to {amount} ({pct})",
    },
    "chat.lead.share": {
        "ru": "На {name} за {span} пришлось {amount} — {pct} всех расходов.",
        "en": "{name} cost {amount} in {span}: {pct} of all spend.",
    },
    "chat.lead.not_in_breakdown": {
        "ru": "«{name}» не найден среди расходов за {span}; ниже — всё, что есть.",
        "en": '"{name}" is not among the costs of {span}; below is everything there is.',
    },
    "chat.lead.savings_total": {
        "ru": "Открытые рекомендации ({count}) сэкономят {monthly}, это {yearly}.",
        "en": "The open recommendations ({count}) save {monthly}, that is {yearly}.",
    },
    "chat.lead.savings_year": {
        "ru": "Открытые рекомендации ({count}) сэкономят {yearly}, то есть {monthly}.",
        "en": "The open recommendations ({count}) would save {yearly}, that is {monthly}.",
    },
    "chat.lead.idle.rightsize_cpu": {
        "ru": "Недозагруженные серверы (можно уменьшить): {count}, экономия {savings}.",
        "en": "Underused servers (can be downsized): {count}, saving {savings}.",
    },
    "chat.lead.idle.stopped_server": {
        "ru": "Остановленные серверы, за диски которых идёт оплата: {count}, экономия {savings}.",
        "en": "Stopped servers whose disks are still billed: {count}, saving {savings}.",
    },
    "chat.lead.idle.unused_ip": {
        "ru": "Неиспользуемые IP-адреса: {count}, экономия {savings}.",
        "en": "Unused IP addresses: {count}, saving {savings}.",
    },
    "chat.lead.idle.old_snapshot": {
        "ru": "Старые снимки: {count}, экономия {savings}.",
        "en": "Old snapshots: {count}, saving {savings}.",
    },
    "chat.lead.rec_savings": {
        "ru": "Экономия — {monthly}, это {yearly} ({pct} от текущих {current}).",
        "en": "It saves {monthly}, that is {yearly} ({pct} of the current {current}).",
    },
    "chat.lead.rec_savings_year": {
        "ru": "Экономия — {yearly}, то есть {monthly} ({pct} от текущих {current}).",
        "en": "It saves {yearly}, that is {monthly} ({pct} of the current {current}).",
    },
    "chat.lead.costs": {
        "ru": "{name} стоит {monthly}: {spec}, {provider}, регион {region}.",
        "en": "{name} costs {monthly}: {spec}, {provider}, region {region}.",
    },
    "chat.lead.load_low": {
        "ru": "При этом средняя загрузка CPU — {cpu} (p95 {p95}): оплачена мощность, которая почти не используется.",
        "en": "Yet its average CPU load is {cpu} (p95 {p95}): it pays for capacity it hardly uses.",
    },
    "chat.lead.load": {
        "ru": "Средняя загрузка CPU — {cpu} (p95 {p95}).",
        "en": "Its average CPU load is {cpu} (p95 {p95}).",
    },
    "chat.lead.cheaper": {
        "ru": "Равноценный вариант у {provider} ({sku}) стоит {monthly} ({delta}).",
        "en": "An equivalent at {provider} ({sku}) costs {monthly} ({delta}).",
    },
    "chat.lead.no_cheaper": {
        "ru": "Равноценных вариантов дешевле у других провайдеров нет.",
        "en": "No other provider has a cheaper equivalent.",
    },
    "chat.lead.effort": {
        "ru": "Трудоёмкость {score}/5 ({label}), около {hours}.",
        "en": "Effort {score}/5 ({label}), about {hours}.",
    },
    "chat.lead.risk": {
        "ru": "Главный риск — шаг «{step}» ({level}: {flags}).",
        "en": 'The main risk is the step "{step}" ({level}: {flags}).',
    },
    "chat.lead.no_risk": {"ru": "Рискованных шагов нет.", "en": "No step is risky."},
    # Effort factors, written from the tool's structured factor (never translated from English).
    "effort.factor.change_type": {"ru": "тип изменения: {change}", "en": "change type: {change}"},
    "effort.factor.new_provider": {
        "ru": "новый провайдер: {source} → {target}: аккаунты, сеть, образы, IAM",
        "en": "new provider: {source} → {target}: accounts, network, images, IAM",
    },
    "effort.factor.data_to_move": {"ru": "объём данных: {size}", "en": "data to move: {size}"},
    "effort.factor.cluster": {"ru": "кластер: {nodes} для репликации", "en": "cluster: {nodes} to replicate"},
    "effort.factor.managed_service": {
        "ru": "управляемый сервис: отличаются версии, расширения и строки подключения",
        "en": "managed service: engine versions, extensions and connection strings differ",
    },
    "effort.factor.production": {
        "ru": "продакшн: нужно окно обслуживания",
        "en": "production: needs a maintenance window",
    },
    "effort.factor.restart": {
        "ru": "перезапуск: изменение размера перезапускает сервер",
        "en": "restart: resizing restarts the server",
    },
    "effort.capped": {
        "ru": "сумма баллов {total}, шкала ограничена 1–5",
        "en": "the points add up to {total}; the scale stops at 1–5",
    },
}

# Entries with plural forms (wording/plural.py): {n} is the count.
CHAT_PLURALS: dict[str, dict[Lang, dict[str, str]]] = {
    "unit.nodes": {
        "ru": {"one": "{n} узел", "few": "{n} узла", "many": "{n} узлов"},
        "en": {"one": "{n} node", "other": "{n} nodes"},
    },
    "unit.hours": {
        "ru": {"one": "{n} час", "few": "{n} часа", "many": "{n} часов", "other": "{n} часа"},
        "en": {"one": "{n} hour", "other": "{n} hours"},
    },
    "unit.days": {
        "ru": {"one": "{n} день", "few": "{n} дня", "many": "{n} дней", "other": "{n} дня"},
        "en": {"one": "{n} day", "other": "{n} days"},
    },
    "unit.recommendations": {
        "ru": {"one": "{n} рекомендация", "few": "{n} рекомендации", "many": "{n} рекомендаций"},
        "en": {"one": "{n} recommendation", "other": "{n} recommendations"},
    },
}
