"""What an invocation costs at AWS's list prices, and the formulas behind the
figures (GB-seconds, success rate): one home for each."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from .models import Invocation


def gb_seconds(billed_ms: int | None, memory_mb: int) -> float:
    """Billed duration (already rounded up to 1 ms) times configured memory."""
    return (billed_ms or 0) / 1000 * memory_mb / 1024


def success_rate(invocations: int, errors: int) -> float | None:
    """Percent of invocations without an error; no invocations: no value."""
    return round(100.0 * (invocations - errors) / invocations, 2) if invocations else None


@dataclass(frozen=True)
class CostEstimate:
    """AWS list price of some usage: requests plus GB-seconds of billed duration."""

    requests: int
    gb_seconds: float

    @property
    def request_cost(self) -> Decimal:
        return settings.LABDA_PRICE_PER_REQUEST * self.requests

    @property
    def compute_cost(self) -> Decimal:
        return settings.LABDA_PRICE_PER_GB_SECOND * Decimal(repr(round(self.gb_seconds, 9)))

    @property
    def total(self) -> Decimal:
        return self.request_cost + self.compute_cost

    @property
    def free_requests(self) -> int:
        return settings.LABDA_FREE_TIER_REQUESTS

    @property
    def free_gb_seconds(self) -> int:
        return settings.LABDA_FREE_TIER_GB_SECONDS

    @property
    def requests_free_share(self) -> float:
        return 100.0 * self.requests / self.free_requests if self.free_requests else math.inf

    @property
    def gb_seconds_free_share(self) -> float:
        return 100.0 * self.gb_seconds / self.free_gb_seconds if self.free_gb_seconds else math.inf

    @property
    def after_free_tier(self) -> Decimal:
        """The bill if this were a whole month's usage: the free tier first."""
        requests = max(0, self.requests - self.free_requests)
        compute = max(0.0, self.gb_seconds - self.free_gb_seconds)
        return CostEstimate(requests, compute).total

    @property
    def price_per_million_requests(self) -> Decimal:
        return settings.LABDA_PRICE_PER_REQUEST * 1_000_000

    @property
    def price_per_gb_second(self) -> Decimal:
        return settings.LABDA_PRICE_PER_GB_SECOND


def invocation_cost(invocation: Invocation) -> CostEstimate:
    """A throttled request is not billed; any other is one request plus its
    GB-seconds (on a cold start the billed duration includes the init)."""
    if invocation.status == invocation.Status.THROTTLED:
        return CostEstimate(0, 0.0)
    return CostEstimate(1, gb_seconds(invocation.billed_duration_ms, invocation.memory_size))


def usd(value: Decimal | float) -> str:
    """Dollars as the console shows them; fractions of a cent keep their
    significant digits ($0.0000002083), since one invocation costs that."""
    value = Decimal(str(value))
    if value == 0:
        return "$0.00"
    if value >= Decimal("0.01"):
        return f"${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    digits = max(2, -value.adjusted() + 3)  # four significant digits
    if digits > 12:
        return "<$0.000000000001"
    text = f"{value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):f}".rstrip("0")
    return f"${text}"
