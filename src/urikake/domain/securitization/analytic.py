"""Closed-form and semi-analytic loss distributions of the one-factor Gaussian copula.

Model: receivable *i* defaults when ``√ρ·Z + √(1−ρ)·ε_i < Φ⁻¹(PD_i)`` with the systematic
factor ``Z`` and the idiosyncratic ``ε_i`` independent standard normals. Given ``Z = z``
defaults are independent with probability
``p(z) = Φ((Φ⁻¹(PD) − √ρ·z) / √(1−ρ))`` (:func:`conditional_pd`).

* **Large homogeneous pool (Vasicek).** With infinitely many small receivables the loss
  fraction is ``LGD·p(Z)``; its *q*-quantile is ``Φ((Φ⁻¹(PD) + √ρ·Φ⁻¹(q)) / √(1−ρ))``
  (:func:`vasicek_quantile`; PD 1 %, ρ 0.12, 99.9 % → 0.090326, the Basel II formula).
  For several grades the pool loss ``Σ wₖ·LGDₖ·pₖ(z)`` is still decreasing in *z*, so its
  quantiles are read off the factor's quantiles and tranche losses are one integral over
  the factor (:class:`LargePool`).
* **Finite homogeneous pool.** Given *z* the number of defaults among *n* is
  Binomial(n, p(z)); integrating over *z* with Gauss–Hermite quadrature gives the exact
  distribution of the count (:func:`finite_pool_distribution`), which tends to Vasicek as
  *n* grows.

Tranche ``[A, D]`` (fractions of the pool) loses ``min(max(L − A, 0), D − A)``; its expected
loss is given as a fraction of the tranche's size and its PD as the probability that it
loses anything (``P(L > A)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special, stats  # type: ignore[import-untyped]

from urikake.domain.errors import DomainError

__all__ = [
    "LargePool",
    "check_correlation",
    "conditional_pd",
    "finite_pool_distribution",
    "finite_pool_tranche",
    "tranche_loss_fraction",
    "vasicek_quantile",
]


def check_correlation(rho: float) -> float:
    if not (isinstance(rho, int | float) and 0.0 <= float(rho) < 1.0):
        raise DomainError(
            "securitization.correlation_out_of_range",
            "資産相関は0以上1未満で指定してください。",
            field="correlation",
        )
    return float(rho)


def conditional_pd(pd: np.ndarray | float, rho: float, z: np.ndarray | float) -> np.ndarray:
    """``p(z)`` for every combination of ``pd`` (last axis) and ``z`` (first axis)."""
    threshold = special.ndtri(np.clip(np.asarray(pd, dtype=np.float64), 0.0, 1.0))
    z = np.asarray(z, dtype=np.float64)
    if z.ndim:
        z = z[:, None] if np.ndim(threshold) else z
    with np.errstate(invalid="ignore"):
        out = special.ndtr((threshold - math.sqrt(rho) * z) / math.sqrt(1.0 - rho))
    # PD 0 and 1 are certain whatever the factor (−inf − (−inf) would be nan).
    return np.where(threshold == -np.inf, 0.0, np.where(threshold == np.inf, 1.0, out))


def vasicek_quantile(pd: float, rho: float, q: float) -> float:
    """The *q*-quantile of the large-homogeneous-pool default fraction (LGD 100 %)."""
    rho = check_correlation(rho)
    return float(
        special.ndtr((special.ndtri(pd) + math.sqrt(rho) * special.ndtri(q)) / math.sqrt(1 - rho))
    )


def tranche_loss_fraction(loss: np.ndarray, attachment: float, detachment: float) -> np.ndarray:
    """Loss of tranche ``[attachment, detachment]`` as a fraction of its size."""
    width = detachment - attachment
    if width <= 0:
        raise DomainError(
            "securitization.empty_tranche",
            "トランシェの下限は上限より小さくしてください。",
            field="detachment",
        )
    return np.clip(np.asarray(loss) - attachment, 0.0, width) / width


@dataclass(frozen=True)
class LargePool:
    """A large pool of several grades: ``weights`` (exposure shares) × PD × LGD."""

    weights: tuple[float, ...]
    pds: tuple[float, ...]
    lgds: tuple[float, ...]
    rho: float

    @classmethod
    def homogeneous(cls, pd: float, rho: float, lgd: float = 1.0) -> LargePool:
        return cls((1.0,), (pd,), (lgd,), check_correlation(rho))

    def loss_at(self, z: np.ndarray | float) -> np.ndarray:
        """Pool loss fraction given the factor ``z`` (decreasing in ``z``)."""
        z_arr = np.atleast_1d(np.asarray(z, dtype=np.float64))
        p = conditional_pd(np.asarray(self.pds), self.rho, z_arr)
        return np.asarray(p @ (np.asarray(self.weights) * np.asarray(self.lgds)))

    @property
    def expected_loss(self) -> float:
        return float(np.dot(self.weights, np.asarray(self.pds) * np.asarray(self.lgds)))

    @property
    def max_loss(self) -> float:
        return float(np.dot(self.weights, self.lgds))

    def quantile(self, q: float) -> float:
        return float(self.loss_at(special.ndtri(1.0 - q))[0])

    def _z_at(self, loss: float) -> float:
        """The factor value at which the pool loses ``loss`` (−inf/+inf outside the range)."""
        if loss <= float(self.loss_at(40.0)[0]):
            return math.inf
        if loss >= float(self.loss_at(-40.0)[0]):
            return -math.inf
        return float(optimize.brentq(lambda z: float(self.loss_at(z)[0]) - loss, -40.0, 40.0))

    def probability_above(self, loss: float) -> float:
        """``P(L > loss)``."""
        z = self._z_at(loss)
        return float(special.ndtr(z)) if math.isfinite(z) else (1.0 if z > 0 else 0.0)

    def tranche(self, attachment: float, detachment: float) -> tuple[float, float]:
        """(expected loss as a fraction of the tranche, probability of any loss)."""
        z_a, z_d = self._z_at(attachment), self._z_at(detachment)
        lo, hi = -12.0, 12.0
        points = [p for p in (z_a, z_d) if lo < p < hi]

        def integrand(z: float) -> float:
            frac = tranche_loss_fraction(self.loss_at(z), attachment, detachment)[0]
            return float(frac * stats.norm.pdf(z))

        value, _ = integrate.quad(
            integrand, lo, hi, points=points or None, limit=400, epsabs=1e-13, epsrel=1e-11
        )
        return float(value), self.probability_above(attachment)


def finite_pool_distribution(n: int, pd: float, rho: float, *, nodes: int = 256) -> np.ndarray:
    """``P(K = k)`` for k = 0..n defaults among *n* identical receivables.

    ``∫ Binomial(k; n, p(z)) φ(z) dz`` by Gauss–Hermite quadrature (``nodes`` points).
    """
    rho = check_correlation(rho)
    x, w = np.polynomial.hermite.hermgauss(nodes)
    z = math.sqrt(2.0) * x
    p = conditional_pd(pd, rho, z)  # (nodes,)
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k[None, :], n, p[:, None])  # (nodes, n+1)
    dist = (w / math.sqrt(math.pi)) @ pmf
    return np.asarray(dist / dist.sum())


def finite_pool_tranche(
    n: int, pd: float, rho: float, attachment: float, detachment: float, *, lgd: float = 1.0
) -> tuple[float, float, np.ndarray]:
    """(tranche EL fraction, tranche PD, count distribution) for a finite homogeneous pool."""
    dist = finite_pool_distribution(n, pd, rho)
    loss = lgd * np.arange(n + 1) / n
    el = float(dist @ tranche_loss_fraction(loss, attachment, detachment))
    pd_tranche = float(dist[loss > attachment + 1e-12].sum())
    return el, pd_tranche, dist
