"""What the FOCUS specification says that an import needs: the Cost and Usage columns of each
version (1.0 to 1.3; a later version's columns and `x_` extensions are tolerated), the columns an
import cannot do without, the cost columns one may key on, the charge categories and how each is
counted, and the version a file's header points to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CostColumn = Literal["EffectiveCost", "BilledCost", "ListCost", "ContractedCost"]
COST_COLUMNS: tuple[CostColumn, ...] = ("EffectiveCost", "BilledCost", "ListCost", "ContractedCost")
DEFAULT_COST_COLUMN: CostColumn = "EffectiveCost"

COLUMNS_1_0: tuple[str, ...] = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
)
# What each later version added (its header shows it).
ADDED: dict[str, tuple[str, ...]] = {
    "1.1": (
        "CapacityReservationId",
        "CapacityReservationStatus",
        "CommitmentDiscountQuantity",
        "CommitmentDiscountUnit",
        "ServiceSubcategory",
        "SkuMeter",
        "SkuPriceDetails",
    ),
    "1.2": (
        "BillingAccountType",
        "SubAccountType",
        "InvoiceId",
        "PricingCurrency",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice",
    ),
    "1.3": (
        "ServiceProviderName",
        "HostProviderName",
        "AllocatedMethodId",
        "AllocatedMethodDetails",
        "AllocatedResourceId",
        "AllocatedResourceName",
        "AllocatedTags",
        "ContractApplied",
    ),
}
VERSIONS: dict[str, tuple[str, ...]] = {
    "1.0": COLUMNS_1_0,
    "1.1": COLUMNS_1_0 + ADDED["1.1"],
    "1.2": COLUMNS_1_0 + ADDED["1.1"] + ADDED["1.2"],
    "1.3": COLUMNS_1_0 + ADDED["1.1"] + ADDED["1.2"] + ADDED["1.3"],
}
KNOWN_COLUMNS = frozenset(VERSIONS["1.3"])
# Without these (and the chosen cost column, and a provider column) nothing can be imported.
REQUIRED = ("ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "BillingCurrency", "ServiceName")
PROVIDER_COLUMNS = ("ServiceProviderName", "ProviderName")  # 1.3 first; ProviderName before 1.3
# The columns the specification makes mandatory that the import reads or reports on: a file
# without them still imports (if it has REQUIRED), with a warning.
MANDATORY = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingAccountId",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargeClass",
    "ChargeDescription",
    "InvoiceIssuerName",
    "ServiceCategory",
)


@dataclass(frozen=True)
class Category:
    name: str
    counted: str  # how the import counts it (docs/imports.md says the same)


# Every charge category is handled on purpose; an unknown one is a row error.
CHARGE_CATEGORIES: dict[str, Category] = {
    "Usage": Category("Usage", "counted on the days it was used"),
    # A commitment bought: its BilledCost is the purchase; its EffectiveCost is 0 when the
    # commitment is amortised into the usage rows (so keying on EffectiveCost never counts it twice).
    "Purchase": Category("Purchase", "counted as the chosen cost column says (0 EffectiveCost when amortised)"),
    "Tax": Category("Tax", "counted; its service is the row's ServiceName, or 'Tax'"),
    "Credit": Category("Credit", "counted as negative cost on its charge period"),
    "Adjustment": Category("Adjustment", "counted (positive or negative) on its charge period"),
}

# FOCUS ResourceType (free text from the provider) -> the canonical resource type, by keywords.
_TYPE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("kubernetes", "aks", "eks", "gke", "openshift"), "kubernetes-cluster"),
    (("postgres",), "postgresql-cluster"),
    (("mysql", "mariadb"), "mysql-cluster"),
    (("redis", "cache"), "redis-cluster"),
    (("kafka", "event hub"), "kafka-cluster"),
    (("snapshot",), "snapshot"),
    (("volume", "disk", "bootvolume"), "volume"),
    (("load balancer", "loadbalancer", "application gateway"), "load_balancer"),
    (("ip address", "public ip", "elastic ip", "reserved ip"), "reserved_ip"),
    (("bucket", "storage account", "blob", "object storage", "file system"), "storage"),
    (("instance", "virtual machine", "vm", "server", "compute"), "server"),
)


def canonical_type(resource_type: str | None) -> str:
    """The canonical resource type of a FOCUS ResourceType ('other' when nothing fits)."""
    if not resource_type:
        return "other"
    text = resource_type.lower()
    for words, canonical in _TYPE_WORDS:
        if any(w in text for w in words):
            return canonical
    return "other"


# A column named the specification's way (PascalCase, two words at least): a later version's.
_FOCUS_NAME = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+$")


@dataclass(frozen=True)
class VersionGuess:
    version: str  # "1.0" … "1.3", or "1.3+" when the header has columns past 1.3
    evidence: tuple[str, ...]  # the columns that show it (none: only 1.0 columns)
    later: tuple[str, ...] = ()  # columns named the specification's way that 1.0–1.3 do not have

    @property
    def basis(self) -> str:
        if not self.evidence:
            return "only FOCUS 1.0 columns"
        text = f"columns {', '.join(self.evidence)}"
        return text + (f"; columns past 1.3: {', '.join(self.later)}" if self.later else "")


def detect_version(columns: list[str]) -> VersionGuess:
    """The FOCUS version a header points to: the latest whose added columns it has."""
    present = set(columns)
    version = "1.0"
    evidence: tuple[str, ...] = ()
    for name in ("1.1", "1.2", "1.3"):
        seen = tuple(c for c in ADDED[name] if c in present)
        if seen:
            version, evidence = name, seen[:3]
    later = tuple(c for c in columns if c not in KNOWN_COLUMNS and _FOCUS_NAME.match(c))[:3]
    if later and version == "1.3":
        return VersionGuess("1.3+", evidence, later)
    return VersionGuess(version, evidence)
