"""Sample billing screenshots drawn with Pillow from a tenant's own cost data: a provider's
services for one period, in three console-like layouts, Russian or English. For tests (an
untouched one must reconcile as "matches") and for people to try (`infrazen-agent screenshots`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from ..auth import Principal
from ..data.catalog import PROVIDER_NAMES
from ..data.money import round2
from ..data.source import DataSource
from ..errors import Unavailable
from ..wording import format_money, format_number
from .labels import service_label

Layout = Literal["console", "invoice", "dark"]
LAYOUTS: tuple[Layout, ...] = ("console", "invoice", "dark")
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
_MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
              "ноябрь", "декабрь")  # fmt: skip


@dataclass(frozen=True)
class Bill:
    provider: str
    start: date
    end: date
    currency: str
    lines: tuple[tuple[str, float], ...]  # (service key, amount) largest first
    account: str = ""

    @property
    def total(self) -> float:
        return round2(sum(a for _, a in self.lines))

    def edited(self, index: int, amount: float) -> Bill:
        """The same bill with one line's amount changed (what a reconciliation must catch)."""
        lines = list(self.lines)
        lines[index] = (lines[index][0], amount)
        return replace(self, lines=tuple(lines))


def last_full_month(last_day: date) -> tuple[date, date]:
    """The last calendar month the data covers whole (ending on `last_day` or before it)."""
    if (last_day + timedelta(days=1)).day == 1:
        return last_day.replace(day=1), last_day
    end = last_day.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


async def bill_from_data(
    source: DataSource, principal: Principal, provider: str, start: date | None = None, end: date | None = None
) -> Bill:
    bounds = await source.cost_bounds(principal)
    if start is None or end is None:
        start, end = last_full_month(bounds.last_day or date.today())
    series = await source.cost_series(principal, start, end, "provider_service")
    sums: dict[str, float] = {}
    for _, prov, service, amount in series.iter_rows():
        if prov == provider:
            sums[service] = sums.get(service, 0.0) + amount
    lines = tuple(sorted(((s, round2(a)) for s, a in sums.items() if round2(a) > 0), key=lambda x: (-x[1], x[0])))
    return Bill(provider, start, end, bounds.currency, lines)


@cache
def _font_path(bold: bool) -> str:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        if Path(folder, name).is_file():
            return str(Path(folder, name))
    raise Unavailable("no DejaVu font to draw sample screenshots (install fonts-dejavu-core)")


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_font_path(bold), size)


def _period_text(bill: Bill, lang: str) -> str:
    if lang == "en":
        return f"{bill.start:%b} {bill.start.day} – {bill.end:%b} {bill.end.day}, {bill.end.year}"
    return f"{bill.start:%d.%m.%Y} – {bill.end:%d.%m.%Y}"


def _amount(value: float, currency: str, lang: str, style: str) -> str:
    if style == "bare":
        return format_number(value, "ru" if lang == "ru" else "en", decimals=2)
    if style == "code_first":
        return f"{currency} {format_number(value, 'en', decimals=2)}"
    return format_money(value, currency, "ru" if lang == "ru" else "en")


def render(
    bill: Bill, layout: Layout = "console", lang: str = "ru", size: tuple[int, int] = (1280, 800)
) -> Image.Image:
    draw = {"console": _console, "invoice": _invoice, "dark": _dark}[layout]
    return draw(bill, lang, size)


def encode(image: Image.Image, fmt: str = "PNG", quality: int = 70) -> bytes:
    out = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG"):
        image.convert("RGB").save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _right(d: ImageDraw.ImageDraw, x: int, y: int, text: str, font: ImageFont.FreeTypeFont, fill: str) -> None:
    d.text((x - d.textlength(text, font=font), y), text, font=font, fill=fill)


def _console(bill: Bill, lang: str, size: tuple[int, int]) -> Image.Image:
    ru = lang != "en"
    img = Image.new("RGB", size, "#ffffff")
    d = ImageDraw.Draw(img)
    f, fb, fh = _font(15), _font(15, True), _font(22, True)
    d.rectangle([0, 0, 220, size[1]], fill="#1f2937")
    nav = ("Главная", "Серверы", "Биллинг", "Поддержка") if ru else ("Home", "Servers", "Billing", "Support")
    for i, item in enumerate(nav):
        d.text((24, 80 + i * 36), item, font=f, fill="#e5e7eb")
    name = PROVIDER_NAMES.get(bill.provider, bill.provider)
    title = f"Детализация расходов · {name}" if ru else f"Billing details · {name}"
    d.text((260, 36), title, font=fh, fill="#111827")
    d.text((260, 78), ("Период: " if ru else "Period: ") + _period_text(bill, lang), font=f, fill="#374151")
    y = 128
    d.text((260, y), "Услуга" if ru else "Service", font=fb, fill="#6b7280")
    _right(d, 1200, y, "Сумма" if ru else "Amount", fb, "#6b7280")
    y += 36
    for service, amount in bill.lines:
        d.text((260, y), service_label(service, lang), font=f, fill="#111827")
        _right(d, 1200, y, _amount(amount, bill.currency, lang, "symbol"), f, "#111827")
        y += 32
        d.line([260, y - 8, 1200, y - 8], fill="#e5e7eb")
    y += 10
    d.text((260, y), "Итого за период" if ru else "Total for the period", font=fb, fill="#111827")
    _right(d, 1200, y, _amount(bill.total, bill.currency, lang, "symbol"), fb, "#111827")
    return img


def _invoice(bill: Bill, lang: str, size: tuple[int, int]) -> Image.Image:
    ru = lang != "en"
    img = Image.new("RGB", size, "#f3f4f6")
    d = ImageDraw.Draw(img)
    d.rectangle([120, 20, size[0] - 120, size[1] - 20], fill="#ffffff", outline="#d1d5db")
    f, fb, fh = _font(15), _font(15, True), _font(24, True)
    name = PROVIDER_NAMES.get(bill.provider, bill.provider)
    number = f"{bill.end:%y%m}-{sum(map(ord, bill.provider)) % 9000 + 1000}"
    d.text((160, 50), (f"Счёт № {number}" if ru else f"Invoice No. {number}"), font=fh, fill="#111827")
    d.text((160, 92), ("Поставщик: " if ru else "Supplier: ") + name, font=f, fill="#374151")
    period = _period_text(bill, lang)
    if ru:
        period_line = f"За услуги за {_MONTHS_RU[bill.start.month - 1]} {bill.start.year} ({period})"
    else:
        period_line = f"Services for {bill.start:%B %Y} ({period})"
    d.text((160, 118), period_line, font=f, fill="#374151")
    y = 168
    d.text((160, y), "№", font=fb, fill="#374151")
    d.text((210, y), "Наименование" if ru else "Description", font=fb, fill="#374151")
    _right(
        d,
        1120,
        y,
        f"Сумма, {'₽' if bill.currency == 'RUB' else bill.currency}" if ru else f"Amount, {bill.currency}",
        fb,
        "#374151",
    )
    d.line([160, y + 26, 1120, y + 26], fill="#9ca3af")
    y += 40
    for i, (service, amount) in enumerate(bill.lines, 1):
        d.text((160, y), str(i), font=f, fill="#111827")
        d.text((210, y), service_label(service, lang), font=f, fill="#111827")
        _right(d, 1120, y, _amount(amount, bill.currency, lang, "bare"), f, "#111827")
        y += 30
    d.line([160, y, 1120, y], fill="#9ca3af")
    y += 14
    vat = round2(bill.total * 22 / 122)
    d.text((700, y), "Итого:" if ru else "Total:", font=fb, fill="#111827")
    _right(d, 1120, y, _amount(bill.total, bill.currency, lang, "bare"), fb, "#111827")
    d.text((700, y + 30), "в т.ч. НДС 22 %:" if ru else "incl. VAT 22 %:", font=f, fill="#374151")
    _right(d, 1120, y + 30, _amount(vat, bill.currency, lang, "bare"), f, "#374151")
    return img


def _dark(bill: Bill, lang: str, size: tuple[int, int]) -> Image.Image:
    ru = lang == "ru"
    img = Image.new("RGB", size, "#0f172a")
    d = ImageDraw.Draw(img)
    f, fb, fh = _font(15), _font(15, True), _font(22, True)
    name = PROVIDER_NAMES.get(bill.provider, bill.provider)
    d.rectangle([0, 0, size[0], 56], fill="#1e293b")
    d.text((28, 16), f"{name}  ·  {'Биллинг' if ru else 'Billing'}", font=fb, fill="#e2e8f0")
    d.text((60, 88), "Расходы по сервисам" if ru else "Costs by service", font=fh, fill="#f8fafc")
    d.text((60, 128), _period_text(bill, lang), font=f, fill="#94a3b8")
    total = _amount(bill.total, bill.currency, lang, "code_first")
    d.rounded_rectangle([820, 84, 1220, 150], radius=10, fill="#1e293b")
    d.text((840, 92), "Всего" if ru else "Total", font=f, fill="#94a3b8")
    d.text((840, 114), total, font=fb, fill="#f8fafc")
    y = 190
    for service, amount in bill.lines:
        d.rounded_rectangle([60, y - 6, 1220, y + 24], radius=6, fill="#111c33")
        d.text((80, y), service_label(service, lang), font=f, fill="#e2e8f0")
        _right(d, 1200, y, _amount(amount, bill.currency, lang, "code_first"), f, "#e2e8f0")
        y += 40
    return img
