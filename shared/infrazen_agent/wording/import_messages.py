"""The FOCUS import's wording (imports/, the `import focus` command), RU and EN: part of the one
catalogue (messages.MESSAGES takes these in). Figures come formatted by the one formatter."""

from __future__ import annotations

from .numbers import Lang

IMPORT_MESSAGES: dict[str, dict[Lang, str]] = {
    "import.report.title": {"ru": "Отчёт о соответствии FOCUS: {file}", "en": "FOCUS conformance report: {file}"},
    "import.report.outcome.imported": {"ru": "Итог: импортирован.", "en": "Outcome: imported."},
    "import.report.outcome.rejected": {
        "ru": "Итог: не импортирован — данные не изменены.",
        "en": "Outcome: not imported — the data is unchanged.",
    },
    "import.report.outcome.failed": {
        "ru": "Итог: ошибка импорта — данные не изменены.",
        "en": "Outcome: the import failed — the data is unchanged.",
    },
    "import.report.reason": {"ru": "Причина: {reason}", "en": "Reason: {reason}"},
    "import.report.version": {"ru": "Версия FOCUS: {version} ({basis})", "en": "FOCUS version: {version} ({basis})"},
    "import.report.version_only_1_0": {"ru": "только столбцы FOCUS 1.0", "en": "only FOCUS 1.0 columns"},
    "import.report.version_columns": {"ru": "по столбцам {columns}", "en": "from the columns {columns}"},
    "import.reason.missing_required": {
        "ru": "нет обязательных столбцов",
        "en": "required columns are missing",
    },
    "import.reason.refused_rows": {
        "ru": "часть строк отклонена (каждая перечислена): исправьте их или импортируйте с --skip-bad-rows",
        "en": "some rows were refused (each is listed): fix them, or import with --skip-bad-rows",
    },
    "import.reason.no_rows": {"ru": "в файле нет строк для импорта", "en": "the file has no rows to import"},
    "import.report.cost_column": {"ru": "Столбец стоимости: {column}", "en": "Cost column: {column}"},
    "import.report.rows": {
        "ru": "Строк прочитано: {read}, импортировано: {imported}, отклонено: {refused}",
        "en": "Rows read: {read}, imported: {imported}, refused: {refused}",
    },
    "import.report.days": {"ru": "Дни начислений: {first} — {last}", "en": "Charge days: {first} to {last}"},
    "import.report.missing_required": {
        "ru": "Нет обязательных столбцов: {columns}",
        "en": "Required columns missing: {columns}",
    },
    "import.report.missing_mandatory": {
        "ru": "Нет столбцов, обязательных по спецификации (импорт возможен): {columns}",
        "en": "Columns the specification requires are missing (the import still works): {columns}",
    },
    "import.report.ignored_columns": {
        "ru": "Столбцы пропущены (не FOCUS 1.0–1.3 или расширения x_): {columns}",
        "en": "Columns ignored (not FOCUS 1.0–1.3, or x_ extensions): {columns}",
    },
    "import.report.errors": {"ru": "Отклонённых строк: {rows}", "en": "Rows refused: {rows}"},
    "import.report.issue": {
        "ru": "  строка {row}, {column}: {problem} «{value}»",
        "en": "  row {row}, {column}: {problem} “{value}”",
    },
    "import.report.more": {"ru": "  …и ещё {count} ошибок", "en": "  …and {count} more errors"},
    "import.report.warning": {
        "ru": "Предупреждение: {column}: {problem} (строк: {rows})",
        "en": "Warning: {column}: {problem} ({rows} rows)",
    },
    "import.report.nulls": {"ru": "Доля пустых значений: {columns}", "en": "Null rates: {columns}"},
    "import.report.totals": {
        "ru": "Итоги по провайдерам, валютам и категориям начислений:",
        "en": "Totals per provider, currency and charge category:",
    },
    "import.report.total": {
        "ru": "  {provider} · {category}: {amount} {currency} ({rows} строк)",
        "en": "  {provider} · {category}: {amount} {currency} ({rows} rows)",
    },
    "import.report.commitment": {
        "ru": "Скидка за обязательство: {type} ({status}) — строк {rows}, {amount} {currency}",
        "en": "Commitment discount: {type} ({status}) — {rows} rows, {amount} {currency}",
    },
    "import.report.kept_apart": {
        "ru": "Начисления в {currency} ({amount}) сохранены отдельно: валюта клиента {tenant}, пересчёта нет, "
        "в аналитику они не входят.",
        "en": "Charges in {currency} ({amount}) are kept apart: the tenant bills in {tenant}; nothing is converted "
        "and they are not in the analytics.",
    },
    # Row problems (codes in imports/conformance.PROBLEMS)
    "import.problem.null": {"ru": "пустое значение", "en": "empty value"},
    "import.problem.not_a_number": {"ru": "не число", "en": "not a number"},
    "import.problem.out_of_range": {"ru": "число вне допустимого диапазона", "en": "number out of range"},
    "import.problem.not_a_date_time": {"ru": "не дата и время", "en": "not a date-time"},
    "import.problem.ends_before_start": {
        "ru": "период кончается раньше, чем начинается",
        "en": "the period ends before it starts",
    },
    "import.problem.unknown_category": {
        "ru": "неизвестная категория (Usage, Purchase, Tax, Credit, Adjustment)",
        "en": "unknown category (Usage, Purchase, Tax, Credit, Adjustment)",
    },
    "import.problem.not_a_currency": {"ru": "не код валюты ISO 4217", "en": "not an ISO 4217 currency code"},
    "import.problem.ragged_row": {
        "ru": "число полей не совпадает с заголовком",
        "en": "the number of fields differs from the header",
    },
    "import.problem.tags_not_json": {
        "ru": "теги не JSON-объект (теги ресурса не сохранены)",
        "en": "tags are not a JSON object (the resource's tags are not kept)",
    },
    # The command line
    "import.cli.file": {"ru": "Импорт {file} для клиента {tenant}…", "en": "Importing {file} for tenant {tenant}…"},
    "import.cli.done": {
        "ru": "Готово: файлов {files}, импортировано {imported}, не импортировано {rejected}, за {seconds} с.",
        "en": "Done: {files} files, {imported} imported, {rejected} not imported, in {seconds} s.",
    },
    "import.cli.error": {"ru": "ошибка: {message}", "en": "error: {message}"},
}
