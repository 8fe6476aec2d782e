"""The report's wording (reports/), RU and EN: part of the one catalogue (messages.MESSAGES takes
these in), kept in its own module because a report has many labels. Figures are never written
here: each `{placeholder}` is filled by the one formatter."""

from __future__ import annotations

from .numbers import Lang

REPORT_MESSAGES: dict[str, dict[Lang, str]] = {
    "report.title": {"ru": "Отчёт FinOps: {persona}", "en": "FinOps report: {persona}"},
    "report.persona.cfo": {"ru": "финансовый директор", "en": "CFO"},
    "report.persona.cto": {"ru": "технический директор", "en": "CTO"},
    "report.persona.product": {"ru": "владелец продукта", "en": "product owner"},
    "report.persona.finops": {"ru": "FinOps-специалист", "en": "Head of FinOps"},
    "report.period": {"ru": "Период: {start} — {end}", "en": "Period: {start} to {end}"},
    "report.generated": {"ru": "Сформировано {at} по данным на {date}.", "en": "Generated {at} from data to {date}."},
    "report.none": {"ru": "Нет данных за период.", "en": "No data for the period."},
    "report.contents": {"ru": "Содержание", "en": "Contents"},
    # Section titles
    "report.title.summary": {"ru": "Главное", "en": "Executive summary"},
    "report.title.trend": {"ru": "Динамика расходов", "en": "Cost trend"},
    "report.title.forecast": {"ru": "Прогноз расходов", "en": "Cost forecast"},
    "report.forecast.this_month": {"ru": "Этот месяц целиком", "en": "This month, in full"},
    "report.forecast.next_month": {"ru": "Следующий месяц", "en": "Next month"},
    "report.forecast.next_quarter": {"ru": "Следующий квартал", "en": "Next quarter"},
    "report.forecast.text": {
        "ru": "Прогноз на следующий месяц — {amount} (от {low} до {high}, вероятность {pct}); тренд {trend} в месяц. "
        "Это прогноз, а не данные.",
        "en": "Next month is forecast at {amount} ({low} to {high}, {pct} likely); trend {trend} a month. "
        "It is a forecast, not data.",
    },
    "report.col.dates": {"ru": "Даты", "en": "Dates"},
    "report.col.forecast": {"ru": "Прогноз", "en": "Forecast"},
    "report.col.low": {"ru": "Не меньше", "en": "Low"},
    "report.col.high": {"ru": "Не больше", "en": "High"},
    "report.title.inventory": {"ru": "Ресурсы по типам", "en": "Inventory by resource type"},
    "report.title.services": {"ru": "Расходы по сервисам", "en": "Spend by service"},
    "report.title.providers": {"ru": "Расходы по провайдерам", "en": "Spend by provider"},
    "report.title.opportunities": {"ru": "Возможности оптимизации", "en": "Optimisation opportunities"},
    "report.title.cleanup": {"ru": "Очистка: простаивающие ресурсы", "en": "Cleanup: idle resources"},
    "report.title.scenarios": {"ru": "Сценарии экономии", "en": "Savings scenarios"},
    "report.title.roi": {"ru": "Окупаемость и трудозатраты", "en": "ROI and effort"},
    "report.title.plan": {"ru": "План по этапам", "en": "Phased plan"},
    "report.title.anomalies": {"ru": "Аномалии расходов", "en": "Cost anomalies"},
    "report.title.comparison": {"ru": "Сравнение провайдеров", "en": "Provider comparison"},
    "report.title.sources": {"ru": "Источники", "en": "Sources"},
    "report.title.method": {"ru": "Как посчитано", "en": "How it was computed"},
    # KPIs
    "report.kpi.spend": {"ru": "Расходы за период", "en": "Spend in the period"},
    "report.kpi.run_rate": {"ru": "Текущий темп в месяц", "en": "Monthly run rate"},
    "report.kpi.yearly": {"ru": "В год при текущем темпе", "en": "A year at this rate"},
    "report.kpi.change": {"ru": "К предыдущему периоду", "en": "Against the previous period"},
    "report.kpi.resources": {"ru": "Ресурсов", "en": "Resources"},
    "report.kpi.savings": {"ru": "Потенциальная экономия", "en": "Potential savings"},
    "report.kpi.savings_year": {"ru": "Экономия в год", "en": "Savings a year"},
    "report.kpi.spent_idle": {"ru": "Уже потрачено на простой", "en": "Already spent on idle resources"},
    # Narratives (the deterministic ones; a model's must trace to the same figures)
    "report.summary.text": {
        "ru": "За {days} дн. расходы составили {spend}. В месяц это {run_rate}, в год — {yearly}. "
        "Открытые рекомендации ({count}) дают до {savings} экономии ({share} темпа), {savings_year}.",
        "en": "Over {days} days, spend came to {spend}: {run_rate}, or {yearly}. "
        "The open recommendations ({count}) save up to {savings} ({share} of the run rate), {savings_year}.",
    },
    "report.summary.idle": {
        "ru": "На простаивающие ресурсы уже потрачено {spent}.",
        "en": "Idle resources have already cost {spent}.",
    },
    "report.trend.text": {
        "ru": "Всего за период {total}, в среднем {daily}. Вторая половина периода к первой: {halves}; "
        "тренд {slope} в месяц.",
        "en": "In all {total}, on average {daily}. Second half of the period against the first: {halves}; "
        "trend {slope} a month.",
    },
    "report.inventory.text": {
        "ru": "{count} ресурсов {types} типов стоят {total}.",
        "en": "{count} resources of {types} types cost {total}.",
    },
    "report.services.text": {
        "ru": "Больше всего уходит на {name}: {amount} ({share}) из {total}.",
        "en": "The largest service is {name}: {amount} ({share}) of {total}.",
    },
    "report.providers.text": {
        "ru": "Крупнейший провайдер — {name}: {amount} ({share}) из {total}.",
        "en": "The largest provider is {name}: {amount} ({share}) of {total}.",
    },
    "report.opportunities.text": {
        "ru": "Больше всего даёт переезд в {provider}: {savings} по {count} рекомендациям.",
        "en": "Moving to {provider} saves the most: {savings} over {count} recommendations.",
    },
    "report.opportunities.none": {
        "ru": "Переездов к другим провайдерам не предлагается.",
        "en": "No moves to another provider are proposed.",
    },
    "report.cleanup.text": {
        "ru": "Можно убрать {count} простаивающих ресурсов: экономия {monthly}. Ниже — до десяти "
        "крупнейших каждого вида ({shown}); на них уже ушло {spent}.",
        "en": "{count} idle resources can go: {monthly} saved. Below, up to ten of each kind ({shown}); "
        "they have already cost {spent}.",
    },
    "report.cleanup.none": {"ru": "Простаивающих ресурсов не найдено.", "en": "No idle resources were found."},
    "report.scenarios.text": {
        "ru": "Осторожный сценарий: {conservative} ({cons_pct} темпа). Полный: {full} ({full_pct}).",
        "en": "Conservative: {conservative} ({cons_pct} of the run rate). Full: {full} ({full_pct}).",
    },
    "report.scenarios.method": {
        "ru": "Осторожный сценарий — вся очистка и изменения с высокой уверенностью и малыми трудозатратами среди "
        "десяти главных рекомендаций; полный — все открытые рекомендации (экономия — не более одной на ресурс).",
        "en": "Conservative: all cleanup plus the high-confidence, low-effort changes among the ten top "
        "recommendations; full: every open recommendation (savings count at most one per resource).",
    },
    "report.cleanup.method": {
        "ru": "«Уже потрачено» — стоимость в месяц × дни простоя (у снимков — дни с создания) ÷ 30,42.",
        "en": "“Spent so far”: the monthly cost × days idle (snapshots: days since creation) ÷ 30.42.",
    },
    "report.scenario.conservative": {"ru": "Осторожный", "en": "Conservative"},
    "report.scenario.full": {"ru": "Полный", "en": "Full"},
    "report.roi.text": {
        "ru": "{count} главных рекомендаций с оценкой трудозатрат дают {savings}; работа займёт около {hours} ч, "
        "при ставке {rate} это {cost} — окупится за {months} мес.",
        "en": "The {count} top recommendations with an effort estimate save {savings}; the work takes about "
        "{hours} h, at {rate} that is {cost}, paid back in {months} months.",
    },
    "report.roi.no_rate": {
        "ru": "Работа займёт около {hours} ч (ставка для {currency} не задана: REPORT_HOURLY_RATES).",
        "en": "The work takes about {hours} h (no hourly rate for {currency}: REPORT_HOURLY_RATES).",
    },
    "report.roi.assumption": {
        "ru": "Часы — оценки трудозатрат по каждой из главных рекомендаций (для инженера, знающего обоих "
        "провайдеров); роль назначена по виду рекомендации (переезд БД — администратор БД, остальное — DevOps); "
        "ставка — допущение из настроек.",
        "en": "Hours are the effort estimate of each top recommendation (for an engineer who knows both "
        "providers); the role follows the kind (a database move: the DBA, the rest: DevOps); the rate is an "
        "assumption from the settings.",
    },
    "report.role.devops": {"ru": "DevOps-инженер", "en": "DevOps engineer"},
    "report.role.dba": {"ru": "Администратор БД", "en": "Database administrator"},
    "report.role.total": {"ru": "Всего", "en": "Total"},
    "report.phase.now": {"ru": "Сегодня", "en": "Today"},
    "report.phase.short": {"ru": "1–3 месяца", "en": "1–3 months"},
    "report.phase.long": {"ru": "3–6 месяцев", "en": "3–6 months"},
    "report.plan.text": {
        "ru": "Начать можно сегодня: {count} рекомендаций дают {savings}.",
        "en": "Start today: {count} recommendations save {savings}.",
    },
    "report.anomalies.text": {
        "ru": "Найдено аномалий: {count}; самые сильные — в таблице.",
        "en": "Anomalies found: {count}; the strongest are in the table.",
    },
    "report.anomalies.none": {"ru": "Аномалий за период нет.", "en": "No anomalies in the period."},
    "report.comparison.text": {
        "ru": "Что учитывать при выборе провайдера (качественно, без цифр: цены — в разделах выше).",
        "en": "What to weigh when choosing a provider (qualitative; the prices are in the sections above).",
    },
    "report.provider.note": {
        "ru": "{name}: подходит — {use}; осторожно — {avoid}.",
        "en": "{name}: use it for {use}; avoid it for {avoid}.",
    },
    "report.provider.selectel.use": {
        "ru": "выделенные и облачные серверы в Москве и Санкт-Петербурге, предсказуемая нагрузка",
        "en": "dedicated and cloud servers in Moscow and St Petersburg, steady load",
    },
    "report.provider.selectel.avoid": {
        "ru": "когда нужны сервисы экосистемы другого облака",
        "en": "workloads tied to another cloud's ecosystem services",
    },
    "report.provider.selectel.managed": {
        "ru": "Kubernetes, PostgreSQL/MySQL/Redis, S3-хранилище",
        "en": "Kubernetes, PostgreSQL/MySQL/Redis, S3 storage",
    },
    "report.provider.yandex.use": {
        "ru": "управляемые сервисы, бессерверные функции, аналитика",
        "en": "managed services, serverless functions, analytics",
    },
    "report.provider.yandex.avoid": {
        "ru": "простые постоянные серверы, где дешевле VPS",
        "en": "plain always-on servers where a VPS is cheaper",
    },
    "report.provider.yandex.managed": {
        "ru": "Managed Kubernetes, PostgreSQL, ClickHouse, Object Storage",
        "en": "Managed Kubernetes, PostgreSQL, ClickHouse, Object Storage",
    },
    "report.provider.beget.use": {
        "ru": "небольшие VPS и сайты, фоновые задачи, тестовые стенды",
        "en": "small VPS and sites, batch jobs, test environments",
    },
    "report.provider.beget.avoid": {
        "ru": "кластеры с высокими требованиями к SLA и управляемым сервисам",
        "en": "clusters with strict SLA and managed-service needs",
    },
    "report.provider.beget.managed": {
        "ru": "управляемые MySQL и PostgreSQL, S3-хранилище",
        "en": "managed MySQL and PostgreSQL, S3 storage",
    },
    "report.provider.vkcloud.use": {
        "ru": "Kubernetes и базы данных в Москве, интеграция с сервисами VK",
        "en": "Kubernetes and databases in Moscow, VK service integration",
    },
    "report.provider.vkcloud.avoid": {
        "ru": "очень маленькие нагрузки, где важна минимальная цена",
        "en": "very small workloads where the lowest price matters most",
    },
    "report.provider.vkcloud.managed": {
        "ru": "Kubernetes, PostgreSQL, MySQL, Redis, объектное хранилище",
        "en": "Kubernetes, PostgreSQL, MySQL, Redis, object storage",
    },
    # Charts
    "report.chart.by_source": {"ru": "Экономия по видам рекомендаций", "en": "Savings by source"},
    "report.chart.trend": {"ru": "Расходы по периодам", "en": "Spend per period"},
    "report.chart.by_type": {"ru": "Стоимость по типам ресурсов", "en": "Cost by resource type"},
    "report.chart.scenarios": {"ru": "Темп расходов и сценарии экономии", "en": "Run rate and savings scenarios"},
    # Columns
    "report.col.period": {"ru": "Период", "en": "Period"},
    "report.col.days": {"ru": "Дней", "en": "Days"},
    "report.col.amount": {"ru": "Сумма", "en": "Amount"},
    "report.col.type": {"ru": "Тип", "en": "Type"},
    "report.col.count": {"ru": "Кол-во", "en": "Count"},
    "report.col.monthly": {"ru": "В месяц", "en": "A month"},
    "report.col.name": {"ru": "Название", "en": "Name"},
    "report.col.share": {"ru": "Доля", "en": "Share"},
    "report.col.change": {"ru": "Изменение", "en": "Change"},
    "report.col.target_provider": {"ru": "Куда переезд", "en": "Target provider"},
    "report.col.savings_month": {"ru": "Экономия в месяц", "en": "Savings a month"},
    "report.col.savings_year": {"ru": "В год", "en": "A year"},
    "report.col.recommendation": {"ru": "Рекомендация", "en": "Recommendation"},
    "report.col.kind": {"ru": "Вид", "en": "Kind"},
    "report.col.effort": {"ru": "Трудозатраты", "en": "Effort"},
    "report.col.resource": {"ru": "Ресурс", "en": "Resource"},
    "report.col.idle_days": {"ru": "Дней простоя", "en": "Days idle"},
    "report.col.spent": {"ru": "Уже потрачено", "en": "Spent so far"},
    "report.col.scenario": {"ru": "Сценарий", "en": "Scenario"},
    "report.col.of_run_rate": {"ru": "От темпа", "en": "Of run rate"},
    "report.col.role": {"ru": "Роль", "en": "Role"},
    "report.col.hours": {"ru": "Часов", "en": "Hours"},
    "report.col.phase": {"ru": "Этап", "en": "Phase"},
    "report.col.what": {"ru": "Что делаем", "en": "What"},
    "report.col.day": {"ru": "День", "en": "Day"},
    "report.col.provider": {"ru": "Провайдер", "en": "Provider"},
    "report.col.service": {"ru": "Сервис", "en": "Service"},
    "report.col.expected": {"ru": "Ожидалось", "en": "Expected"},
    "report.col.deviation": {"ru": "Отклонение", "en": "Deviation"},
    "report.col.managed": {"ru": "Управляемые сервисы", "en": "Managed services"},
    "report.col.when_use": {"ru": "Когда подходит", "en": "When to use"},
    "report.col.when_avoid": {"ru": "Когда нет", "en": "When not to"},
    "report.unit.hours": {"ru": "ч", "en": "h"},
    "report.type.cross_provider_server": {"ru": "Переезд сервера", "en": "Server move"},
    "report.type.cross_provider_dbaas": {"ru": "Переезд БД", "en": "Database move"},
    "report.type.rightsize_cpu": {"ru": "Уменьшение размера", "en": "Rightsizing"},
    "report.type.stopped_server": {"ru": "Остановленный сервер", "en": "Stopped server"},
    "report.type.old_snapshot": {"ru": "Старый снимок", "en": "Old snapshot"},
    "report.type.unused_ip": {"ru": "Неиспользуемый IP", "en": "Unused IP"},
    "report.rtype.server": {"ru": "Серверы", "en": "Servers"},
    "report.rtype.volume": {"ru": "Диски", "en": "Volumes"},
    "report.rtype.snapshot": {"ru": "Снимки", "en": "Snapshots"},
    "report.rtype.reserved_ip": {"ru": "IP-адреса", "en": "IP addresses"},
    "report.rtype.kubernetes-cluster": {"ru": "Кластеры Kubernetes", "en": "Kubernetes clusters"},
    "report.rtype.load_balancer": {"ru": "Балансировщики", "en": "Load balancers"},
    "report.rtype.storage": {"ru": "Объектное хранилище", "en": "Object storage"},
    "report.rtype.postgresql-cluster": {"ru": "Кластеры PostgreSQL", "en": "PostgreSQL clusters"},
    "report.rtype.redis-cluster": {"ru": "Кластеры Redis", "en": "Redis clusters"},
    "report.rtype.mysql-cluster": {"ru": "Кластеры MySQL", "en": "MySQL clusters"},
    "report.rtype.kafka-cluster": {"ru": "Кластеры Kafka", "en": "Kafka clusters"},
    "report.rtype.backup": {"ru": "Резервные копии", "en": "Backups"},
    "report.rtype.other": {"ru": "Прочие ресурсы", "en": "Other resources"},
    # The chat's proposal and its answer (actions/flow.py, create_report)
    "report.preview": {
        "ru": "Сделать отчёт FinOps для роли «{persona}» за последние {days} дн. ({format}, {language})",
        "en": "Make a FinOps report for the {persona} over the last {days} days ({format}, {language})",
    },
    "report.ready_text": {
        "ru": "Отчёт готов: {title}. Скачать: {links}",
        "en": "The report is ready: {title}. Download: {links}",
    },
    "report.failed_text": {"ru": "Отчёт не удалось сделать: {reason}", "en": "The report could not be made: {reason}"},
    "report.offline_proposed": {
        "ru": "Предлагаю: {preview}. Подтвердите, и я начну; ссылка придёт сюда, когда отчёт будет готов.",
        "en": "I propose: {preview}. Confirm and I will start; the link comes here when the report is ready.",
    },
    "report.offline_refused": {
        "ru": "Отчёт предложить не получилось: {reason}",
        "en": "I could not propose a report: {reason}",
    },
    "report.refused.forbidden": {
        "ru": "отчёты заказывают аналитики и администраторы, у вашей учётной записи такой роли нет.",
        "en": "reports are ordered by analysts and admins, and your account has neither role.",
    },
    "report.refused.rate_limited": {
        "ru": "слишком много отчётов подряд, повторите через несколько минут.",
        "en": "too many reports in a row; try again in a few minutes.",
    },
    "report.refused.other": {
        "ru": "сервис отчётов сейчас недоступен, повторите позже.",
        "en": "the report service is unavailable for now; try again later.",
    },
    "report.format.html": {"ru": "HTML", "en": "HTML"},
    "report.format.pdf": {"ru": "PDF", "en": "PDF"},
    "report.format.both": {"ru": "HTML и PDF", "en": "HTML and PDF"},
    "report.language.ru": {"ru": "на русском", "en": "in Russian"},
    "report.language.en": {"ru": "на английском", "en": "in English"},
    # Citations
    "report.source.line": {
        "ru": "{tool}, параметры {arguments}; данные по {date}.",
        "en": "{tool}, arguments {arguments}; data to {date}.",
    },
    "report.source.none": {"ru": "без параметров", "en": "none"},
    "report.method.assumption": {"ru": "допущение", "en": "assumption"},
    "report.narrative.model": {
        "ru": "Текст раздела написан моделью; все его числа проверены по данным.",
        "en": "This section's text was written by a model; every figure in it was checked against the data.",
    },
    "report.footer": {
        "ru": "Все числа отчёта — из данных InfraZen через инструменты (сноски) или посчитаны из них "
        "(раздел «Как посчитано»).",
        "en": "Every figure of the report comes from the InfraZen data through the tools (footnotes) or is "
        "computed from them (see “How it was computed”).",
    },
}
