"""Deterministic texts, one template per recommendation type, in Russian and English.

Written like a senior FinOps engineer: savings first, then what to do, effort and risk beside
it, how it is calculated. Every number comes from `Facts`; nothing here invents one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wording import format_amount, format_number, format_percent
from ..wording.tool_lines import effort_factor
from .facts import spec_text
from .html import DETAILED_LIMIT, SHORT_LIMIT, esc, fit, provider, strong
from .model import Effort, Facts, Language, Risk, RiskFact

_LEVEL = {
    "ru": {"low": "низкий", "medium": "средний", "high": "высокий"},
    "en": {"low": "low", "medium": "medium", "high": "high"},
}
_EFFORT = {
    "ru": {1: "очень низкая", 2: "низкая", 3: "средняя", 4: "высокая", 5: "очень высокая"},
    "en": {1: "very low", 2: "low", 3: "medium", 4: "high", 5: "very high"},
}
_CONFIDENCE = {
    "ru": {"high": "высокая", "medium": "средняя", "low": "низкая"},
    "en": {"high": "high", "medium": "medium", "low": "low"},
}


def risk_text(r: RiskFact, f: Facts, lang: Language) -> str:
    v = r.value
    ru = lang == "ru"
    if r.kind == "downtime":
        return (
            "Переключение трафика даёт короткий простой: нужно окно обслуживания и пониженный TTL DNS."
            if ru
            else "The switch-over means a short downtime: plan a maintenance window and lower DNS TTL first."
        )
    if r.kind == "data_migration":
        return (
            f"Перенос данных: {format_number(float(v or 0), lang)} ГБ нужно скопировать и сверить."
            if ru
            else f"Data migration: {format_number(float(v or 0), lang)} GB to copy and verify."
        )
    if r.kind == "provider_lock_in":
        name = f.target_provider_name or str(v or "")
        return (
            f"Новый провайдер ({name}): другие API, сеть, образы и IAM; автоматизацию придётся адаптировать."
            if ru
            else f"A new provider ({name}): different APIs, network, images and IAM; automation needs work."
        )
    if r.kind == "managed_differences":
        return (
            "Управляемая СУБД у другого провайдера: версии, расширения и строки подключения отличаются."
            if ru
            else "A managed database elsewhere: engine versions, extensions and connection strings differ."
        )
    if r.kind == "performance_headroom":
        if f.rec_type == "rightsize_cpu":
            if v is None:
                return (
                    "Нет данных об утилизации CPU: проверьте пики нагрузки до уменьшения."
                    if ru
                    else "No CPU utilisation data: check load peaks before downsizing."
                )
            return (
                f"После уменьшения CPU p95 ожидается около {format_percent(float(v), lang)}."
                if ru
                else f"After downsizing, CPU p95 is expected around {format_percent(float(v), lang)}."
            )
        p95 = format_percent(float(v or 0), lang)
        return (
            f"CPU p95 уже {p95}: сравните производительность ядер у нового провайдера."
            if ru
            else f"CPU p95 is already {p95}: compare core performance at the new provider."
        )
    if r.kind == "restart":
        return "Смена конфигурации перезапускает сервер." if ru else "Resizing restarts the server."
    if r.kind == "data_loss":
        return (
            "Удаление без снимка диска необратимо: сначала сделайте снимок."
            if ru
            else "Deleting without a disk snapshot is irreversible: take a snapshot first."
        )
    if r.kind == "irreversible":
        if r.level == "high":
            return (
                "Исходный ресурс уже удалён: это может быть единственная копия, экспортируйте её при сомнениях."
                if ru
                else "Its source is gone: this may be the only copy; export it if in doubt."
            )
        return "Удаление снимка необратимо." if ru else "Deleting a snapshot is irreversible."
    if r.kind == "dns_reference":
        if v:
            return (
                f"Адрес упоминается в DNS ({v}): сначала обновите запись."
                if ru
                else f"The address appears in DNS ({v}): update the record first."
            )
        return "Освобождённый адрес нельзя получить обратно." if ru else "A released address cannot be reserved again."
    if r.kind == "unknown_spec":
        return (
            "Характеристики неизвестны: равноценность замены не подтверждена."
            if ru
            else "The spec is unknown: equivalence of the replacement is not confirmed."
        )
    return r.kind


_STEPS = {
    "cross_provider": {
        "ru": [
            "Создать замену у нового провайдера с теми же сетевыми правилами",
            "Скопировать данные и сверить",
            "Прогнать smoke- и нагрузочные тесты",
            "Переключить DNS / строки подключения в окно обслуживания",
            "Наблюдать 7 дней: ошибки, задержки, стоимость",
            "Удалить старый ресурс после финального бэкапа",
        ],
        "en": [
            "Create the replacement at the new provider with matching network rules",
            "Copy and verify the data",
            "Run smoke and load tests",
            "Switch DNS / connection strings in a maintenance window",
            "Watch errors, latency and cost for 7 days",
            "Delete the old resource after a final backup",
        ],
    },
    "rightsize_cpu": {
        "ru": [
            "Проверить пики нагрузки (конец месяца, пакетные задачи)",
            "Сделать снимок диска",
            "Сменить конфигурацию в окно обслуживания",
            "Наблюдать CPU p95 неделю; откатить при p95 > 80\u00a0%",
        ],
        "en": [
            "Check load peaks (month end, batch jobs)",
            "Take a disk snapshot",
            "Resize in a maintenance window",
            "Watch CPU p95 for a week; roll back if p95 > 80%",
        ],
    },
    "stopped_server": {
        "ru": [
            "Подтвердить у владельца, что сервер не нужен",
            "Сделать снимок диска",
            "Удалить сервер и диск",
        ],
        "en": [
            "Confirm with the owner that the server is not needed",
            "Take a disk snapshot",
            "Delete the server and its disk",
        ],
    },
    "old_snapshot": {
        "ru": [
            "Проверить политики хранения и аудита",
            "Экспортировать снимок, если есть сомнения",
            "Удалить снимок",
        ],
        "en": [
            "Check retention and audit policies",
            "Export the snapshot if in doubt",
            "Delete the snapshot",
        ],
    },
    "unused_ip": {
        "ru": ["Найти адрес в DNS и конфигурациях", "Освободить адрес"],
        "en": ["Search DNS records and configs for the address", "Release the address"],
    },
}


def next_steps(f: Facts, lang: Language) -> list[str]:
    key = "cross_provider" if f.rec_type.startswith("cross_provider") else f.rec_type
    return list(_STEPS.get(key, _STEPS["cross_provider"])[lang])


@dataclass(frozen=True)
class Rendered:
    title: str
    summary: str
    details: str
    how_calculated: str
    risks: list[Risk]
    next_steps: list[str]
    text: str
    short_html: str
    detailed_html: str


def _figures(f: Facts, lang: Language) -> tuple[str, str, str, str, str]:
    """(monthly savings, yearly savings, cost now, cost after, savings share) as the text writes them."""
    return (
        format_amount(f.monthly_savings, lang),
        format_amount(f.yearly_savings, lang),
        format_amount(f.current_monthly, lang),
        format_amount(f.target_monthly, lang),
        format_percent(f.savings_percent, lang),
    )


def _headline(f: Facts, lang: Language) -> tuple[str, str, list[str]]:
    """(title, summary, short-html pieces) per recommendation type."""
    save, yearly, now, after, share = _figures(f, lang)
    name, ru = f.resource_name, lang == "ru"
    where = f.target_provider_name or ""
    if f.rec_type.startswith("cross_provider"):
        what = (
            ("кластер" if f.rec_type.endswith("dbaas") else "сервер")
            if ru
            else ("cluster" if f.rec_type.endswith("dbaas") else "server")
        )
        title = f"Перенос {name} в {where}: экономия {save}" if ru else f"Move {name} to {where}: save {save}"
        summary = (
            f"Равноценный {what} {f.target_sku} в {where} стоит {after} вместо "
            f"{now} в {f.provider_name}: экономия {save} ({share}),"
            f" {yearly}."
            if ru
            else f"An equivalent {what}, {f.target_sku} at {where}, costs {after} instead of "
            f"{now} at {f.provider_name}: {save} saved "
            f"({share}), {yearly}."
        )
        short = [
            strong(f"{'Экономия' if ru else 'Save'} {save}"),
            ("при переносе в " if ru else "by moving to ") + provider(where),
        ]
    elif f.rec_type == "rightsize_cpu":
        avg, p95 = format_percent(f.cpu_avg_pct or 0, lang), format_percent(f.cpu_p95_pct or 0, lang)
        load = f"CPU в среднем {avg}, p95 {p95}" if ru else f"CPU averages {avg}, p95 {p95}"
        title = (
            f"Уменьшить {name} до {f.target_sku}: экономия {save}"
            if ru
            else f"Downsize {name} to {f.target_sku}: save {save}"
        )
        summary = (
            f"{load} за {f.snapshot_window_days or '—'} дн.: конфигурация на размер меньше у того же "
            f"провайдера сэкономит {save} ({share}), {yearly}."
            if ru
            else f"{load} over {f.snapshot_window_days or '—'} days: one size down at the same provider saves "
            f"{save} ({share}), {yearly}."
        )
        short = [
            strong(f"{'Экономия' if ru else 'Save'} {save}"),
            ("после уменьшения " if ru else "by downsizing ") + esc(name),
        ]
    elif f.rec_type == "stopped_server":
        title = (
            f"Удалить остановленный сервер {name}: экономия {save}"
            if ru
            else f"Delete stopped server {name}: save {save}"
        )
        summary = (
            f"Сервер остановлен, но диск продолжает оплачиваться: {now}. После "
            f"удаления со снимком останется {after}, экономия {save}, {yearly}."
            if ru
            else f"The server is stopped but its disk is still billed: {now}. Deleting it "
            f"and keeping a snapshot leaves {after}: {save} saved, {yearly}."
        )
        short = [
            strong(f"{'Экономия' if ru else 'Save'} {save}"),
            ("за остановленный " if ru else "on stopped ") + esc(name),
        ]
    elif f.rec_type == "old_snapshot":
        age = format_number(f.age_days or 0, lang)
        title = (
            f"Удалить снимок {name} ({age} дн.): экономия {save}"
            if ru
            else f"Delete snapshot {name} ({age} days): save {save}"
        )
        summary = (
            f"Снимку {age} дн.; он стоит {now}. Удаление экономит {save}, {yearly}."
            if ru
            else f"The snapshot is {age} days old and costs {now}. Deleting it saves {save}, {yearly}."
        )
        short = [
            strong(f"{'Экономия' if ru else 'Save'} {save}"),
            ("за старый снимок " if ru else "on old snapshot ") + esc(name),
        ]
    else:
        days = format_number(f.days_unused, lang) if f.days_unused else None
        unused = (f" не используется {days} дн." if ru else f" unused for {days} days") if days else ""
        title = f"Освободить IP {name}: экономия {save}" if ru else f"Release IP {name}: save {save}"
        summary = (
            f"Адрес{unused} и стоит {now}. Освобождение экономит {save}, {yearly}."
            if ru
            else f"The address is{unused or ' unused'} and costs {now}. Releasing it saves {save}, {yearly}."
        )
        short = [
            strong(f"{'Экономия' if ru else 'Save'} {save}"),
            ("за неиспользуемый IP " if ru else "on unused IP ") + esc(name),
        ]
    return title, summary, short


def render(f: Facts, lang: Language) -> Rendered:
    ru = lang == "ru"
    title, summary, short = _headline(f, lang)
    save, yearly, now, after, share = _figures(f, lang)
    risks = [Risk(level=r.level, label=_LEVEL[lang][r.level], kind=r.kind, text=risk_text(r, f, lang)) for r in f.risks]
    steps = next_steps(f, lang)
    effort = f.effort
    effort_text = (
        f"Трудоёмкость {effort.score}/5 ({_EFFORT['ru'][effort.score]})"
        if ru
        else f"Effort {effort.score}/5 ({_EFFORT['en'][effort.score]})"
    )
    if effort.estimated_hours:
        hours = format_number(effort.estimated_hours, lang)
        effort_text += f", ≈{hours} ч" if ru else f", about {hours} h"
    top_risk = max(risks, key=lambda r: ("low", "medium", "high").index(r.level), default=None)
    conf = _CONFIDENCE[lang][f.confidence_label]
    spec = spec_text(f._spec, lang) if f._spec else f.spec_text
    details = (
        f"{f.resource_name}: {spec or f.resource_type}, {f.provider_name}, {f.region}. {effort_text}. "
        f"Уверенность: {conf}."
        if ru
        else f"{f.resource_name}: {spec or f.resource_type}, {f.provider_name}, {f.region}. {effort_text}. "
        f"Confidence: {conf}."
    )
    if top_risk:
        details += (
            f" Главный риск ({_LEVEL[lang][top_risk.level]}): {top_risk.text}"
            if ru
            else f" Main risk ({top_risk.level}): {top_risk.text}"
        )
    how = (
        f"Экономия = текущая стоимость − стоимость после изменения: {now} − "
        f"{after} = {save}; за год × 12 = "
        f"{yearly}; {share} от текущей стоимости."
        if ru
        else f"Savings = current cost − cost after the change: {now} − "
        f"{after} = {save}; per year × 12 = "
        f"{yearly}; {share} of the current cost."
    )
    if f.target_sku and f.rec_type.startswith("cross_provider"):
        how += (
            f" Цена замены — {f.target_sku} ({f.target_provider_name}) из каталога цен"
            f"{' ' + f.catalog_version if f.catalog_version else ''}."
            if ru
            else f" The replacement price is {f.target_sku} ({f.target_provider_name}) from the price catalog"
            f"{' ' + f.catalog_version if f.catalog_version else ''}."
        )
    lines = [
        f"**{title}**",
        "",
        summary,
        "",
        details,
        "",
        f"**{'Как посчитано' if ru else 'How it is calculated'}:** {how}",
        "",
        f"**{'Риски' if ru else 'Risks'}:**",
    ]
    lines += [f"- {_LEVEL[lang][r.level]}: {r.text}" for r in risks]
    lines += ["", f"**{'Следующие шаги' if ru else 'Next steps'}:**"]
    lines += [f"{i}. {s}" for i, s in enumerate(steps, start=1)]
    detailed = [
        strong(f"{'Экономия' if ru else 'Save'} {save}") + (" (" + esc(format_percent(f.savings_percent, lang)) + ")"),
        esc(summary),
        esc(effort_text + "."),
    ]
    if top_risk:
        detailed.append(esc(f"Риск: {top_risk.text}" if ru else f"Risk: {top_risk.text}"))
    return Rendered(
        title=title,
        summary=summary,
        details=details,
        how_calculated=how,
        risks=risks,
        next_steps=steps,
        text="\n".join(lines),
        short_html=fit(short, SHORT_LIMIT),
        detailed_html=fit(detailed, DETAILED_LIMIT),
    )


def effort_for(f: Facts, lang: Language) -> Effort:
    """The effort block in the reader's language: the tool's label and factors are English."""
    factors = [effort_factor(x, lang) for x in f.effort._tool_factors] or f.effort.factors
    return f.effort.model_copy(update={"label": _EFFORT[lang][f.effort.score], "factors": factors})
