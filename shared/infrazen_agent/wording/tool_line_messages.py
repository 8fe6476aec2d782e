"""The tool lines' wording (wording/tool_lines.py: how one tool result reads in an offline answer),
RU and EN: part of the one catalogue (messages.MESSAGES takes these in). Figures are never
written here: each `{placeholder}` is filled by the one formatter."""

from __future__ import annotations

from .numbers import Lang

TOOL_LINE_MESSAGES: dict[str, dict[Lang, str]] = {
    # what a recommendation proposes, by its type
    "line.rec_type.cross_provider_server": {
        "ru": "перенос сервера к другому провайдеру",
        "en": "move the server to another provider",
    },
    "line.rec_type.cross_provider_dbaas": {
        "ru": "перенос базы данных к другому провайдеру",
        "en": "move the database to another provider",
    },
    "line.rec_type.rightsize_cpu": {"ru": "уменьшение размера сервера", "en": "downsize the server"},
    "line.rec_type.stopped_server": {"ru": "удаление остановленного сервера", "en": "delete the stopped server"},
    "line.rec_type.old_snapshot": {"ru": "удаление старого снимка", "en": "delete the old snapshot"},
    "line.rec_type.unused_ip": {"ru": "освобождение неиспользуемого IP", "en": "release the unused IP"},
    # a confidence score as a label (a score is not a figure anyone may cite)
    "line.confidence.high": {"ru": "высокая", "en": "high"},
    "line.confidence.medium": {"ru": "средняя", "en": "medium"},
    "line.confidence.low": {"ru": "низкая", "en": "low"},
    "line.recommendation": {
        "ru": "#{id} {kind} для {name}: экономия {saves} ({pct}), уверенность {confidence}, статус: {status}",
        "en": "#{id} {kind} for {name}: saves {saves} ({pct}), confidence {confidence}, {status}",
    },
    "line.recommendation.now": {"ru": "сейчас {now}, после — {after}", "en": "now {now}, after {after}"},
    "line.recommendation.target": {
        "ru": "цель: {provider} {sku} ({region})",
        "en": "target: {provider} {sku} ({region})",
    },
    "line.resource.no_size": {"ru": "размер не указан", "en": "no size"},
    "line.resource.status": {"ru": "статус: {status}", "en": "{status}"},
    "line.snapshot.status": {"ru": "ресурс {id}: {status}", "en": "resource {id}: {status}"},
    "line.snapshot.since": {"ru": " с {since}", "en": " since {since}"},
    "line.snapshot.load": {
        "ru": "ресурс {id}, средняя загрузка за {days} дн.: {cpu}, {ram}",
        "en": "resource {id}, average load over {days} days: {cpu}, {ram}",
    },
    "line.alternatives.none": {
        "ru": "для {name} нет равноценных альтернатив у других провайдеров",
        "en": "no equivalent alternative for {name} at other providers",
    },
    "line.alternatives.head": {
        "ru": "альтернативы для {name} (сейчас {now}):",
        "en": "alternatives for {name} (now {now}):",
    },
    "line.prices.item": {
        "ru": "{provider} {sku} ({region}): {price}, единица: {unit}",
        "en": "{provider} {sku} ({region}): {price}, unit: {unit}",
    },
    "line.prices.missing": {"ru": "нет в каталоге: {skus}", "en": "not in the catalog: {skus}"},
    "line.prices.none": {"ru": "цен не найдено", "en": "no prices found"},
    "line.effort.subject": {"ru": "{head}: {subject}", "en": "{head}, for {subject}"},
    "line.plan.head": {
        "ru": "план для #{id} ({name}), экономия {saves}:",
        "en": "plan for #{id} ({name}), saves {saves}:",
    },
    "line.plan.step": {"ru": "{order}. {title} (риск: {risk})", "en": "{order}. {title} (risk: {risk})"},
    "line.overview": {
        "ru": "{span}: расходы {spent}{change}, в среднем {average}, темп {run_rate}",
        "en": "{span}: spent {spent}{change}, average {average}, run rate {run_rate}",
    },
    "line.overview.change": {
        "ru": " ({change} к предыдущему периоду)",
        "en": " ({change} vs the previous period)",
    },
    "line.overview.top_provider": {
        "ru": "главный провайдер: {name}, {amount} ({pct})",
        "en": "top provider: {name}, {amount} ({pct})",
    },
    "line.overview.top_service": {
        "ru": "главный сервис: {name}, {amount} ({pct})",
        "en": "top service: {name}, {amount} ({pct})",
    },
    "line.open_recommendations": {
        "ru": "открытых рекомендаций: {open}, возможная экономия {savings}",
        "en": "open recommendations: {open}, potential savings {savings}",
    },
    "line.overview.anomalies": {"ru": "аномалий: {count}", "en": "anomalies: {count}"},
    "line.granularity.day": {"ru": "по дням", "en": "daily"},
    "line.granularity.week": {"ru": "по неделям", "en": "weekly"},
    "line.granularity.month": {"ru": "по месяцам", "en": "monthly"},
    "line.trend": {"ru": "тренд {pct}/мес", "en": "trend {pct}/month"},
    "line.breakdown.head": {
        "ru": "{span}: всего {total}, {by}:",
        "en": "{span}: {total} in total, {by}:",
    },
    "line.breakdown.by_service": {"ru": "по сервисам", "en": "by service"},
    "line.breakdown.by_provider": {"ru": "по провайдерам", "en": "by provider"},
    "line.breakdown.change": {"ru": ", {change} к прошлому периоду", "en": ", {change} vs the previous period"},
    "line.anomalies.head": {"ru": "аномалий за {span}: {count}", "en": "{count} anomalies in {span}"},
    "line.anomalies.item": {
        "ru": "{day} {provider} {service}: {amount}, при ожидаемых {expected} ({deviation}, {kind})",
        "en": "{day} {provider} {service}: {amount}, expected {expected} ({deviation}, {kind})",
    },
    "line.top.head": {
        "ru": "открытых рекомендаций: {open}, возможная экономия {total}",
        "en": "{open} open recommendations worth {total}",
    },
    "line.top.unnamed": {"ru": "{kind} (ресурс {id})", "en": "{kind} (resource {id})"},
    "line.user.no_providers": {"ru": "нет подключений", "en": "no providers"},
    "line.user": {
        "ru": "{tenant}: ресурсов {resources} ({providers}), {total}; открытых рекомендаций: {open}",
        "en": "{tenant}: {resources} resources on {providers}, {total}; {open} open recommendations",
    },
    "line.forecast.head": {
        "ru": "прогноз по данным {span}, интервал {pct}:",
        "en": "forecast from {span}, {pct} interval:",
    },
    "line.forecast.period.this_month": {"ru": "до конца месяца", "en": "this month, to its end"},
    "line.forecast.period.next_month": {"ru": "следующий месяц", "en": "next month"},
    "line.forecast.period.next_quarter": {"ru": "следующий квартал", "en": "next quarter"},
    "line.forecast.interval": {"ru": "от {low} до {high}", "en": "{low} to {high}"},
}

# The Russian for values of the tools' data (statuses, types, plan steps, risk flags, effort
# factors): an English answer shows the value itself.
TOOL_WORDS_RU: dict[str, str] = {
    # statuses
    "pending": "ожидает решения",
    "seen": "просмотрена",
    "snoozed": "отложена",
    "implemented": "выполнена",
    "dismissed": "отклонена",
    "running": "работает",
    "stopped": "остановлен",
    "active": "активен",
    "unused": "не используется",
    "migration": "переезд",
    # resource types
    "server": "сервер",
    "volume": "диск",
    "snapshot": "снимок",
    "reserved_ip": "IP-адрес",
    "load_balancer": "балансировщик",
    "storage": "хранилище",
    "postgresql-cluster": "кластер PostgreSQL",
    "mysql-cluster": "кластер MySQL",
    "redis-cluster": "кластер Redis",
    "kafka-cluster": "кластер Kafka",
    "kubernetes-cluster": "кластер Kubernetes",
    # risks, anomaly kinds
    "low": "низкий",
    "medium": "средний",
    "high": "высокий",
    "spike": "всплеск",
    "drop": "падение",
    "level_shift": "сдвиг уровня",
    # plan steps
    "Prepare the target": "Подготовить целевой ресурс",
    "Copy the data": "Скопировать данные",
    "Test on the target": "Протестировать на целевом ресурсе",
    "Switch traffic": "Переключить трафик",
    "Observe": "Понаблюдать",
    "Decommission the source": "Вывести исходный ресурс из эксплуатации",
    "Confirm the low load": "Подтвердить низкую нагрузку",
    "Snapshot the disk": "Сделать снимок диска",
    "Resize": "Изменить размер",
    "Confirm nobody needs it": "Убедиться, что ресурс никому не нужен",
    "Delete the server and its disk": "Удалить сервер и его диск",
    "Check retention rules": "Проверить правила хранения",
    "Delete the snapshot": "Удалить снимок",
    "Check DNS and configs": "Проверить DNS и конфигурации",
    "Release the address": "Освободить адрес",
    # billing units of the price catalog
    "per_instance": "за сервер",
    "per_node": "за узел",
    "per_cluster": "за кластер",
    "per_gb": "за ГБ",
    "per_ip": "за IP-адрес",
    # a plan step's risk flags
    "data consistency": "согласованность данных",
    "replication lag": "отставание репликации",
    "downtime": "простой",
    "DNS propagation": "обновление DNS",
    "write freeze": "остановка записи",
    "irreversible": "необратимо",
    "short downtime": "короткий простой",
    "performance": "производительность",
    "irreversible without the snapshot": "необратимо без снимка",
    "compliance": "требования к хранению",
    "the same address cannot be reserved again": "тот же адрес потом не зарезервировать",
    # effort factors and their fixed details
    "change type": "тип изменения",
    "new provider": "новый провайдер",
    "data to move": "объём данных",
    "cluster": "кластер",
    "managed service": "управляемый сервис",
    "production": "продакшн",
    "restart": "перезапуск",
    "engine versions, extensions and connection strings differ": "отличаются версии, расширения и строки подключения",
    "needs a maintenance window": "нужно окно обслуживания",
    "resizing restarts the server": "изменение размера перезапускает сервер",
}

# An effort score's label in Russian (an English answer shows the tool's own label).
TOOL_EFFORT_RU: dict[int, str] = {1: "очень низкая", 2: "низкая", 3: "средняя", 4: "высокая", 5: "очень высокая"}
