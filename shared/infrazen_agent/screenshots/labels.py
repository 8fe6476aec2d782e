"""How providers and their services are named on billing screens (RU and EN), so a line read
off a screenshot finds the service key of the tenant's cost data. One table for the sample
renderer and the reconciliation: what one writes, the other reads."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..data.catalog import PROVIDER_NAMES

# Our provider keys and how screens write them; other clouds are recognised, never matched.
PROVIDER_ALIASES: dict[str, tuple[str, ...]] = {
    "selectel": ("selectel", "селектел"),
    "yandex": ("yandex cloud", "yandex.cloud", "яндекс облако", "яндекс.облако", "yandex"),
    "vkcloud": ("vk cloud", "vk облако", "mcs.mail.ru", "vkcloud"),
    "beget": ("beget", "бегет"),
}
OTHER_PROVIDERS: dict[str, tuple[str, ...]] = {
    "Timeweb Cloud": ("timeweb",),
    "Cloud.ru": ("cloud.ru", "sbercloud"),
    "AWS": ("amazon web services", "aws"),
    "Google Cloud": ("google cloud", "gcp"),
    "Microsoft Azure": ("azure",),
}

# service key -> (RU label, EN label, more ways screens write it)
SERVICES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "compute": ("Облачные серверы", "Cloud servers", ("compute cloud", "виртуальные машины", "vps", "compute")),
    "block-storage": ("Сетевые диски", "Network disks", ("block storage", "диски", "volumes", "disks")),
    "object-storage": ("Объектное хранилище", "Object storage", ("s3", "object storage")),
    "network": ("Сеть и IP-адреса", "Network and IP addresses", ("публичные ip", "балансировщики", "vpc", "network")),
    "backup": ("Резервное копирование", "Backups", ("снапшоты", "snapshots", "backup")),
    "managed-kubernetes": ("Managed Kubernetes", "Managed Kubernetes", ("kubernetes", "k8s")),
    "managed-postgresql": ("Облачные базы PostgreSQL", "Managed PostgreSQL", ("postgresql", "postgres")),
    "managed-mysql": ("Облачные базы MySQL", "Managed MySQL", ("mysql",)),
    "managed-kafka": ("Managed Kafka", "Managed Kafka", ("kafka",)),
    "managed-redis": ("Облачные базы Redis", "Managed Redis", ("redis",)),
}
MATCH_AT = 0.72  # similarity a label needs to be read as a service (OCR drops and swaps letters)
_NOT_LETTERS = re.compile(r"[^a-zа-яё0-9]+")


def normal(text: str) -> str:
    return _NOT_LETTERS.sub(" ", text.lower().replace("ё", "е")).strip()


def service_label(service: str, lang: str) -> str:
    ru, en, _ = SERVICES.get(service, (service, service, ()))
    return en if lang == "en" else ru


def provider_in(text: str) -> tuple[str | None, str | None]:
    """(our provider key or None, the provider's name) of the first provider the text names."""
    low = " " + normal(text) + " "
    for key, aliases in PROVIDER_ALIASES.items():
        if any(f" {normal(a)} " in low for a in aliases):
            return key, PROVIDER_NAMES[key]
    for name, aliases in OTHER_PROVIDERS.items():
        if any(f" {normal(a)} " in low for a in aliases):
            return None, name
    return None, None


def match_service(label: str, candidates: list[str]) -> tuple[str | None, float]:
    """The service key among `candidates` a screen label names, with the similarity (0..1)."""
    text = normal(label)
    if not text:
        return None, 0.0
    best: tuple[str | None, float] = (None, 0.0)
    for key in candidates:
        ru, en, more = SERVICES.get(key, (key, key, ()))
        for name in (ru, en, key.replace("-", " "), *more):
            score = _similarity(text, normal(name))
            if score > best[1]:
                best = (key, score)
    return best if best[1] >= MATCH_AT else (None, best[1])


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    # "Публичные IP-адреса" names the network service; a short alias inside a label counts.
    if len(b) >= 3 and f" {b} " in f" {a} ":
        return 0.9
    return SequenceMatcher(None, a, b).ratio()
