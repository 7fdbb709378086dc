r"""Exact period-over-period attribution for multiplicative (GMV) identities.

An identity writes a value as a product of factors, ``V = prod_i x_i``; for
example ``GMV = UV * minutes_per_viewer * buyers_per_minute * orders_per_buyer
* AOV``.  A sum over segments ``k`` (streams, categories, hosts, ...) writes
``V = sum_k prod_i x_ik``.  Period 0 is the base period, period 1 the
comparison period, and ``dV = V1 - V0``.

Methods
-------
Additive LMDI-I (Ang 2004, 2005):

    L(a, b) = (a - b) / (ln a - ln b),   L(a, a) = a,   L(a, 0) = L(0, a) = 0
    C_i     = L(V1, V0) * ln(x_i1 / x_i0)              sum_i C_i = dV

Segments: ``C[k, i] = L(V_k1, V_k0) * ln(x_ik1 / x_ik0)``; row ``k`` sums to
``dV_k = V_k1 - V_k0`` and the whole matrix sums to ``dV``.

Multiplicative LMDI-I:

    V1 / V0 = prod_i D_i
    one aggregate:  ln D_i = ln(x_i1 / x_i0)
    segments:       ln D_i = sum_k [L(V_k1, V_k0) / L(V1, V0)] * ln(x_ik1 / x_ik0)
                           = (column i of the additive matrix) / L(V1, V0)

Shapley:

    phi_i = sum_{S subset of N \ {i}} |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))

where ``v(S)`` is the product with the factors in ``S`` at their period-1 values
and all others at their period-0 values.  It is exact (all ``2**n`` subsets are
enumerated, so ``n <= MAX_SHAPLEY_FACTORS``) and sums to ``v(N) - v({}) = dV``.

Zero values
-----------
Logarithms of zero are undefined, so LMDI uses the analytical limit obtained by
replacing every zero by the same ``eps`` and letting ``eps -> 0`` (in the spirit
of Ang & Liu 2007).  Per segment (or for the single aggregate):

* no factor is zero in either period: the ordinary formula;
* ``m >= 1`` factors are zero in period 0 and none in period 1 (the segment
  appears, ``V_k0 = 0 < V_k1``): each of those ``m`` factors receives
  ``V_k1 / m`` and every other factor receives 0.  (``L(V_k1, eps**m * P)``
  behaves like ``V_k1 / (m |ln eps|)`` and ``ln(x / eps)`` like ``|ln eps|``.)
* ``m >= 1`` factors are zero in period 1 and none in period 0 (the segment
  disappears, ``V_k1 = 0 < V_k0``): each of those ``m`` factors receives
  ``-V_k0 / m``, every other factor 0;
* some factor is zero in period 0 *and* some factor (the same one or another)
  is zero in period 1: ``V_k0 = V_k1 = 0``, ``dV_k = 0`` and every contribution
  is 0 (the limit of every term is 0 whatever the numbers of zeros).

So contributions still sum to ``dV``.  Shapley needs no special rule: zeros
enter the products directly (it generally gives other factors a share too, so
the two methods differ on such segments).  The multiplicative indices use the
additive matrix, so a segment that appears or disappears enters ``ln D_i``
through the rule above; but ``V1 / V0`` itself must exist, so a total ``V0`` or
``V1`` equal to zero raises `AttributionError`.

Refused inputs
--------------
Negative, NaN or infinite factor values raise `AttributionError`, a
``ValueError`` subclass whose message names the factor (index, and name when
``factor_names`` is given), the segment and the period.  Results are never NaN
or infinite: a product that overflows float64 is refused the same way.

Floating point
--------------
All identities hold in exact arithmetic; computed sums match ``dV`` up to
rounding (a few ulps of ``sum |C_i|``).  Log ratios are computed so that
swapping the two periods negates every additive LMDI contribution bit for bit,
and a factor whose two values are equal contributes exactly 0.  Use
`allocate_exact` to turn contributions into integer fen that add up
exactly.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_SHAPLEY_FACTORS",
    "AttributionError",
    "allocate_exact",
    "lmdi_additive",
    "lmdi_additive_segments",
    "lmdi_multiplicative",
    "lmdi_multiplicative_segments",
    "log_mean",
    "shapley",
    "shapley_segments",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
FactorVector: TypeAlias = Sequence[float] | npt.NDArray[Any]
"""Factor values of one period: a sequence of floats or a 1-D array."""

MAX_SHAPLEY_FACTORS: Final = 16
"""Largest number of factors accepted by the exact (2**n subsets) Shapley value."""

_SHAPLEY_TABLE_CELLS: Final = 1 << 22
"""Segment rows are processed in blocks so that the subset table stays ~32 MiB."""

_PERIODS: Final = ("period 0 (x0)", "period 1 (x1)")


class AttributionError(ValueError):
    """Input that cannot be attributed: negative/NaN/infinite values, shape
    mismatch, an undefined ratio, or a result that does not fit in float64."""


# --------------------------------------------------------------------------
# logarithmic mean
# --------------------------------------------------------------------------


def log_mean(a: float, b: float) -> float:
    """Logarithmic mean ``L(a, b) = (a - b) / (ln a - ln b)``.

    ``L(a, a) = a`` and ``L(a, 0) = L(0, a) = 0``.  ``L`` is symmetric, lies
    between ``a`` and ``b``, and is computed as
    ``hi * (1 - exp(-t)) / t`` with ``t = ln(hi / lo)`` (via ``log1p``/``expm1``)
    so that it is accurate when ``a`` and ``b`` are close and does not
    overflow when they are far apart.

    Raises:
        AttributionError: if ``a`` or ``b`` is negative, NaN or infinite.
    """
    for label, value in (("a", a), ("b", b)):
        if not (value >= 0.0 and value < math.inf):
            raise AttributionError(f"log_mean: {label} must be finite and >= 0, got {value!r}")
    a, b = float(a), float(b)
    if a == b:
        return a
    hi, lo = (a, b) if a > b else (b, a)
    if lo == 0.0:
        return 0.0
    t = math.log1p((hi - lo) / lo)
    if t == math.inf:  # hi / lo overflows float64
        t = math.log(hi) - math.log(lo)
    return hi * -math.expm1(-t) / t


def _log_mean_hi_t(hi: FloatArray, t: FloatArray) -> FloatArray:
    """Vectorised ``L`` given the larger value ``hi`` and ``t = |ln(hi/lo)|``."""
    positive = t > 0.0
    safe_t = np.where(positive, t, 1.0)
    g = -np.expm1(-safe_t)
    g /= safe_t
    return hi * np.where(positive, g, 1.0)


def _log_ratio(x0: FloatArray, x1: FloatArray) -> FloatArray:
    """``ln(x1 / x0)`` elementwise for strictly positive finite inputs.

    Computed as ``sign(x1 - x0) * log1p(|x1 - x0| / min(x0, x1))``: accurate
    for close values (the subtraction is exact there), exactly antisymmetric
    under swapping ``x0`` and ``x1``, and exactly 0 when ``x0 == x1``.
    """
    d = x1 - x0
    q = np.abs(d)
    q /= np.minimum(x0, x1)
    r = np.log1p(q)
    if not r.max(initial=0.0) < np.inf:  # some hi / lo overflowed float64
        big = r == np.inf
        r[big] = np.log(np.maximum(x0[big], x1[big])) - np.log(np.minimum(x0[big], x1[big]))
    np.copysign(r, d, out=r)
    return r


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


def _factor_label(i: int, names: Sequence[str] | None) -> str:
    return f"factor {i} ({names[i]!r})" if names is not None else f"factor {i}"


def _validate_pair(
    x0: Any,
    x1: Any,
    *,
    segments: bool,
    factor_names: Sequence[str] | None,
) -> tuple[FloatArray, FloatArray]:
    """Return both periods as float64 ``(k, n)`` arrays (``k = 1`` when not
    ``segments``), refusing bad shapes and negative/NaN/infinite values."""
    ndim = 2 if segments else 1
    shape_name = "a 2-D (segments, factors) array" if segments else "a 1-D sequence"
    arrays: list[FloatArray] = []
    for period, x in enumerate((x0, x1)):
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise AttributionError(f"{_PERIODS[period]} is not numeric: {exc}") from exc
        if arr.ndim != ndim:
            raise AttributionError(
                f"{_PERIODS[period]} must be {shape_name} of factor values, got shape {arr.shape}"
            )
        arrays.append(arr if segments else arr.reshape(1, arr.shape[0]))
    a0, a1 = arrays
    if a0.shape != a1.shape:
        raise AttributionError(
            f"periods differ in shape: x0 {a0.shape if segments else a0.shape[1:]}"
            f" vs x1 {a1.shape if segments else a1.shape[1:]}"
        )
    n = a0.shape[1]
    if factor_names is not None and len(factor_names) != n:
        raise AttributionError(f"{len(factor_names)} factor names given for {n} factors")
    for period, arr in enumerate(arrays):
        if arr.size == 0 or (arr.min() >= 0.0 and arr.max() < np.inf):
            continue
        bad = ~((arr >= 0.0) & (arr < np.inf))  # NaN fails both comparisons
        flat = int(np.argmax(bad))
        k, i = divmod(flat, n)
        value = float(arr.flat[flat])
        kind = "NaN" if math.isnan(value) else "infinite" if math.isinf(value) else "negative"
        where = f" of segment {k}" if segments else ""
        raise AttributionError(
            f"{_factor_label(i, factor_names)}{where} in {_PERIODS[period]} is "
            f"{kind} ({value!r}); factor values must be finite and >= 0"
        )
    return a0, a1


def _row_reduce(x: FloatArray, *, product: bool) -> FloatArray:
    """Row products or sums, accumulated column by column (j = 0..n-1).

    For the typical few-factor, many-row case this is about twice as fast as
    ``np.prod(x, axis=1)`` and fixes the order of the floating-point
    operations independently of the number of rows.
    """
    k, n = x.shape
    if n == 0:
        return np.ones(k) if product else np.zeros(k)
    v = x[:, 0].copy()
    for j in range(1, n):
        if product:
            v *= x[:, j]
        else:
            v += x[:, j]
    return v


def _products(
    x: FloatArray, zero_rows: npt.NDArray[np.bool_] | None, period: int, segments: bool
) -> FloatArray:
    """Row products ``V_k``; rows with a zero factor are exactly 0."""
    v = _row_reduce(x, product=True)
    if zero_rows is not None:
        v[zero_rows] = 0.0
    if not v.max(initial=0.0) < np.inf:
        k = int(np.argmax(~(v < np.inf)))
        where = f" of segment {k}" if segments else ""
        raise AttributionError(
            f"the product of the factors{where} in {_PERIODS[period]} overflows float64"
        )
    return v


def _check_finite(result: FloatArray, what: str) -> None:
    # min/max propagate NaN, so this also catches NaN
    if result.size and not (result.min() > -np.inf and result.max() < np.inf):
        raise AttributionError(f"{what} overflow float64 for these inputs")


# --------------------------------------------------------------------------
# additive LMDI
# --------------------------------------------------------------------------


def _additive_core(
    x0: FloatArray, x1: FloatArray, *, segments: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Additive LMDI-I matrix with the zero-value limits; returns (C, V0, V1)."""
    # Overflow is detected on the results and reported as AttributionError,
    # so numpy's floating-point warnings are silenced here.
    with np.errstate(all="ignore"):
        return _additive_unchecked(x0, x1, segments=segments)


def _additive_unchecked(
    x0: FloatArray, x1: FloatArray, *, segments: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    has_zero = x0.size > 0 and (x0.min() == 0.0 or x1.min() == 0.0)
    if not has_zero:
        v0 = _products(x0, None, 0, segments)
        v1 = _products(x1, None, 1, segments)
        r = _log_ratio(x0, x1)
        t = _row_reduce(r, product=False)
        c = r
        c *= _log_mean_hi_t(np.maximum(v0, v1), np.abs(t))[:, None]
    else:
        z0 = x0 == 0.0
        z1 = x1 == 0.0
        m0 = z0.sum(axis=1)
        m1 = z1.sum(axis=1)
        v0 = _products(x0, m0 > 0, 0, segments)
        v1 = _products(x1, m1 > 0, 1, segments)
        special = (m0 > 0) | (m1 > 0)
        s0 = np.where(special[:, None], 1.0, x0)
        s1 = np.where(special[:, None], 1.0, x1)
        r = _log_ratio(s0, s1)  # special rows: exactly 0
        t = _row_reduce(r, product=False)
        c = r
        c *= _log_mean_hi_t(np.maximum(v0, v1), np.abs(t))[:, None]
        appears = (m0 > 0) & (m1 == 0)
        if appears.any():
            c[appears] = z0[appears] * (v1[appears] / m0[appears])[:, None]
        disappears = (m0 == 0) & (m1 > 0)
        if disappears.any():
            c[disappears] = z1[disappears] * (-v0[disappears] / m1[disappears])[:, None]
        # rows zero in both periods keep their exact zeros from r == 0
    _check_finite(c, "LMDI contributions")
    c += 0.0  # turn -0.0 into 0.0
    return c, v0, v1


def lmdi_additive(
    x0: FactorVector,
    x1: FactorVector,
    *,
    factor_names: Sequence[str] | None = None,
) -> tuple[float, ...]:
    """Additive LMDI-I contributions of the factors of ``V = prod_i x_i``.

    ``C_i = L(V1, V0) * ln(x_i1 / x_i0)`` with ``L`` the logarithmic mean
    (`log_mean`), so that ``sum_i C_i = V1 - V0``.

    Zero values follow the limit rule of the module docstring: if factors are
    zero in period 0 only, those factors share ``V1`` equally; zero in period 1
    only, they share ``-V0`` equally; zero in both periods (the same factor or
    different ones), every contribution is 0.

    Args:
        x0: factor values in period 0.
        x1: factor values in period 1 (same length).
        factor_names: optional names, used in error messages only.

    Returns:
        One contribution per factor, in the same unit as ``V``.

    Raises:
        AttributionError: negative, NaN or infinite values, length mismatch,
            or a product that overflows float64.
    """
    a0, a1 = _validate_pair(x0, x1, segments=False, factor_names=factor_names)
    c, _, _ = _additive_core(a0, a1, segments=False)
    return tuple(float(v) for v in c[0])


def lmdi_additive_segments(
    x0: npt.ArrayLike,
    x1: npt.ArrayLike,
    *,
    factor_names: Sequence[str] | None = None,
) -> FloatArray:
    """Additive LMDI-I matrix for ``V = sum_k prod_i x_ik`` (vectorised).

    ``C[k, i] = L(V_k1, V_k0) * ln(x_ik1 / x_ik0)``; row ``k`` sums to
    ``V_k1 - V_k0`` and the whole matrix to ``V1 - V0``.  Segments with zero
    factors follow the limit rule of the module docstring (a segment that
    appears gives ``V_k1`` in equal shares to its factors that were zero in
    period 0, one that disappears gives ``-V_k0`` to its factors that become
    zero, one that is zero in both periods gives 0 everywhere).

    Args:
        x0: ``(k, n)`` factor values in period 0 (rows are segments).
        x1: ``(k, n)`` factor values in period 1.
        factor_names: optional ``n`` names, used in error messages only.

    Returns:
        ``(k, n)`` float64 array of contributions.

    Raises:
        AttributionError: negative, NaN or infinite values (the message names
            segment, factor and period), shape mismatch, or float64 overflow.
    """
    a0, a1 = _validate_pair(x0, x1, segments=True, factor_names=factor_names)
    c, _, _ = _additive_core(a0, a1, segments=True)
    return c


# --------------------------------------------------------------------------
# multiplicative LMDI
# --------------------------------------------------------------------------


def _check_indices(d: FloatArray, names: Sequence[str] | None) -> None:
    ok = (d > 0.0) & (d < np.inf)
    if not ok.all():
        i = int(np.argmax(~ok))
        raise AttributionError(
            f"the multiplicative index of {_factor_label(i, names)} "
            "does not fit in float64 (ratio too extreme)"
        )


def lmdi_multiplicative(
    x0: FactorVector,
    x1: FactorVector,
    *,
    factor_names: Sequence[str] | None = None,
) -> tuple[float, ...]:
    """Multiplicative LMDI-I indices ``D_i`` of ``V = prod_i x_i``.

    For one aggregate ``ln D_i = ln(x_i1 / x_i0)``, i.e. ``D_i = x_i1 / x_i0``,
    and ``prod_i D_i = V1 / V0``.

    Raises:
        AttributionError: if ``V0`` or ``V1`` is zero (some factor is zero in
            that period), since ``V1 / V0`` and ``D_i`` are then undefined or
            zero; also for negative, NaN or infinite values, length mismatch,
            or an index that does not fit in float64.
    """
    a0, a1 = _validate_pair(x0, x1, segments=False, factor_names=factor_names)
    for period, arr in enumerate((a0, a1)):
        zeros = np.flatnonzero(arr[0] == 0.0)
        if zeros.size:
            raise AttributionError(
                f"V is zero in {_PERIODS[period]} because "
                f"{_factor_label(int(zeros[0]), factor_names)} is zero; "
                "the ratio V1 / V0 is undefined"
            )
    with np.errstate(all="ignore"):
        _products(a0, None, 0, False)
        _products(a1, None, 1, False)
        d = a1[0] / a0[0]
    _check_indices(d, factor_names)
    return tuple(float(v) for v in d)


def lmdi_multiplicative_segments(
    x0: npt.ArrayLike,
    x1: npt.ArrayLike,
    *,
    factor_names: Sequence[str] | None = None,
) -> FloatArray:
    """Multiplicative LMDI-I indices for ``V = sum_k prod_i x_ik``.

    ``ln D_i = sum_k [L(V_k1, V_k0) / L(V1, V0)] * ln(x_ik1 / x_ik0)``
    ``= (sum_k C[k, i]) / L(V1, V0)`` with ``C`` the additive matrix
    (`lmdi_additive_segments`), so ``prod_i D_i = V1 / V0``.  Segments
    with zero factors therefore enter through the additive limit rule.

    Returns:
        ``(n,)`` float64 array of the ``D_i``.

    Raises:
        AttributionError: if the total ``V0`` or ``V1`` is zero (including no
            segments at all): ``V1 / V0`` is then undefined or zero; also for
            the input errors of `lmdi_additive_segments`.
    """
    a0, a1 = _validate_pair(x0, x1, segments=True, factor_names=factor_names)
    c, v0, v1 = _additive_core(a0, a1, segments=True)
    with np.errstate(all="ignore"):
        totals = (float(v0.sum()), float(v1.sum()))
    for period, total in enumerate(totals):
        if total == 0.0:
            raise AttributionError(
                f"total V is zero in {_PERIODS[period]}; the ratio V1 / V0 is undefined"
            )
        if not total < math.inf:
            raise AttributionError(f"total V in {_PERIODS[period]} overflows float64")
    ln_d = c.sum(axis=0) / log_mean(totals[1], totals[0])
    with np.errstate(all="ignore"):
        d: FloatArray = np.exp(ln_d)
    _check_indices(d, factor_names)
    return d


# --------------------------------------------------------------------------
# Shapley
# --------------------------------------------------------------------------


def _shapley_core(x0: FloatArray, x1: FloatArray) -> FloatArray:
    """Per-row exact Shapley values; the caller checks the result is finite."""
    with np.errstate(all="ignore"):
        return _shapley_unchecked(x0, x1)


def _shapley_unchecked(x0: FloatArray, x1: FloatArray) -> FloatArray:
    k, n = x0.shape
    if n > MAX_SHAPLEY_FACTORS:
        raise AttributionError(
            f"exact Shapley enumerates 2**n subsets; {n} factors is more than "
            f"the supported {MAX_SHAPLEY_FACTORS}"
        )
    phi = np.zeros((k, n))
    if n == 0 or k == 0:
        return phi
    size = 1 << n
    masks = np.arange(size)
    sizes = np.array([m.bit_count() for m in range(size)])
    weight_of_size = np.array(
        [math.factorial(s) * math.factorial(n - 1 - s) / math.factorial(n) for s in range(n)]
    )
    without = [masks[(masks >> i) & 1 == 0] for i in range(n)]
    with_ = [w | (1 << i) for i, w in enumerate(without)]
    weights = [weight_of_size[sizes[w]] for w in without]
    block = max(1, _SHAPLEY_TABLE_CELLS // size)
    table = np.empty((size, min(block, k)))
    for start in range(0, k, block):
        stop = min(start + block, k)
        b0 = x0[start:stop]
        b1 = x1[start:stop]
        t = table[:, : stop - start]
        # t[S] = prod_j (x1_j if bit j of S else x0_j), multiplied in the
        # order j = 0..n-1, so S and S + {i} give bit-identical products
        # whenever x_i0 == x_i1.
        t[0] = 1.0
        for j in range(n):
            h = 1 << j
            np.multiply(t[:h], b1[:, j], out=t[h : 2 * h])
            t[:h] *= b0[:, j]
        for i in range(n):
            phi[start:stop, i] = weights[i] @ (t[with_[i]] - t[without[i]])
    return phi


def shapley(
    x0: FactorVector,
    x1: FactorVector,
    *,
    factor_names: Sequence[str] | None = None,
) -> tuple[float, ...]:
    """Exact Shapley contributions of the factors of ``V = prod_i x_i``.

    ``phi_i = sum_{S subset of N \\ {i}} |S|! (n-|S|-1)! / n! * (v(S+i) - v(S))``
    where ``v(S)`` takes the factors in ``S`` at period 1 and the others at
    period 0; ``sum_i phi_i = V1 - V0``.  Zeros need no special rule.

    Raises:
        AttributionError: more than `MAX_SHAPLEY_FACTORS` factors,
            negative, NaN or infinite values, length mismatch, or float64
            overflow of a mixed-period product.
    """
    a0, a1 = _validate_pair(x0, x1, segments=False, factor_names=factor_names)
    phi = _shapley_core(a0, a1)
    _check_finite(phi, "Shapley contributions")
    return tuple(float(v) + 0.0 for v in phi[0])


def shapley_segments(
    x0: npt.ArrayLike,
    x1: npt.ArrayLike,
    *,
    factor_names: Sequence[str] | None = None,
) -> FloatArray:
    """Exact Shapley contributions per segment, as a ``(k, n)`` matrix.

    Row ``k`` is the Shapley decomposition of ``V_k1 - V_k0`` (see
    `shapley`).  Vectorised over segments: the Python loops run over
    factors and the ``2**n`` subset products, with segment rows processed in
    large blocks to bound memory.

    Raises:
        AttributionError: as `shapley`.
    """
    a0, a1 = _validate_pair(x0, x1, segments=True, factor_names=factor_names)
    phi = _shapley_core(a0, a1)
    _check_finite(phi, "Shapley contributions")
    phi += 0.0
    return phi


# --------------------------------------------------------------------------
# integer allocation
# --------------------------------------------------------------------------


def allocate_exact(contributions: Sequence[float] | npt.NDArray[Any], total_fen: int) -> list[int]:
    """Round contributions (in fen) to integers that sum exactly to ``total_fen``.

    Largest-remainder (Hamilton) method: every contribution ``c_i`` gets
    ``floor(c_i)``; the ``d = total_fen - sum_i floor(c_i)`` missing fen go one
    each to the entries with the largest fractional part ``c_i - floor(c_i)``,
    ties broken by the lower index (deterministic).  Each result is therefore
    ``floor(c_i)`` or ``floor(c_i) + 1``, within 1 fen of ``c_i``.

    This is possible exactly when ``0 <= d <= len(contributions)``, which always
    holds if ``|sum_i c_i - total_fen| < 1`` (e.g. LMDI contributions of an
    integer ``dV`` in fen, with floating-point rounding).

    Raises:
        AttributionError: a contribution is NaN or infinite, the input is not
            1-D, ``total_fen`` is not an integer, or the contributions are too
            far from ``total_fen`` for a within-1-fen allocation.
    """
    if isinstance(total_fen, bool):
        raise AttributionError("total_fen must be an integer, got a bool")
    try:
        total = operator.index(total_fen)
    except TypeError as exc:
        raise AttributionError(
            f"total_fen must be an integer, got {type(total_fen).__name__}"
        ) from exc
    try:
        c = np.asarray(contributions, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AttributionError(f"contributions are not numeric: {exc}") from exc
    if c.ndim != 1:
        raise AttributionError(f"contributions must be 1-D, got shape {c.shape}")
    finite = np.isfinite(c)
    if not finite.all():
        i = int(np.argmax(~finite))
        raise AttributionError(f"contribution {i} is not finite ({float(c[i])!r})")
    floors = np.floor(c)
    remainders = c - floors  # exact for binary floating point
    result = [int(f) for f in floors.tolist()]
    missing = total - sum(result)
    if not 0 <= missing <= len(result):
        raise AttributionError(
            f"contributions sum to {math.fsum(c.tolist())!r} fen but total_fen is "
            f"{total}: too far apart to allocate within 1 fen each"
        )
    for i in np.argsort(-remainders, kind="stable")[:missing].tolist():
        result[i] += 1
    return result
