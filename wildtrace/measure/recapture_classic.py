"""Classic closed and open capture–recapture estimators.

* Lincoln–Petersen ``N = n1·n2/m`` and Chapman's nearly unbiased
  ``N = (n1+1)(n2+1)/(m+1) − 1`` for two occasions (Seber 1982, §3.1);
* Schnabel's multi-occasion estimator ``N = Σ C_t·M_t / Σ R_t`` (with Chapman's ``+1``
  in the denominator, which keeps it finite);
* Jolly–Seber for open populations: sellers appear and disappear between occasions, so
  each occasion gets its own size ``N_i``, survival (staying active) ``φ_i`` and number of
  newcomers ``B_i`` (the bias-adjusted forms of Seber 1982, §5.1.2).

Input is an individuals × occasions 0/1 array, as :func:`histories_array` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wildtrace.errors import ModelError
from wildtrace.measure.recapture import CaptureData

MAX_INDIVIDUALS = 5_000_000  # frequencies are expanded to one row per individual


@dataclass(frozen=True)
class TwoSample:
    """A two-occasion estimate."""

    model: str
    abundance: float
    stderr: float


def lincoln_petersen(n1: int, n2: int, m: int) -> TwoSample:
    """Lincoln–Petersen estimate from ``n1`` marked, ``n2`` caught, ``m`` recaptured."""
    if m <= 0:
        raise ModelError("no recapture between the two occasions: Lincoln–Petersen is "
                         "infinite (use Chapman's estimator)")
    n_hat = n1 * n2 / m
    var = n1 * n2 * (n1 - m) * (n2 - m) / m ** 3
    return TwoSample("Lincoln-Petersen", n_hat, math.sqrt(var))


def chapman(n1: int, n2: int, m: int) -> TwoSample:
    """Chapman's estimator and Seber's variance for it."""
    n_hat = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    return TwoSample("Chapman", n_hat, math.sqrt(var))


def schnabel(caps: np.ndarray) -> TwoSample:
    """Schnabel's estimator over all occasions (Chapman-style ``+1``) with the Poisson
    approximation to its variance (Krebs 1999)."""
    caps = np.asarray(caps, dtype=bool)
    seen = np.zeros(caps.shape[0], dtype=bool)
    num = 0.0
    recaps = 0
    for j in range(caps.shape[1]):
        col = caps[:, j]
        num += float(col.sum()) * float(seen.sum())
        recaps += int((col & seen).sum())
        seen |= col
    n_hat = num / (recaps + 1)
    # Var(1/N) ≈ R / (Σ C M)^2 (Poisson in the recaptures).
    se = n_hat * math.sqrt(recaps) / (recaps + 1) if recaps else math.inf
    return TwoSample("Schnabel", n_hat, se)


@dataclass(frozen=True)
class JollySeberOccasion:
    """Jolly–Seber estimates for one occasion (None where not estimable)."""

    occasion: int
    n: int
    m: int
    r: int
    z: int
    marked: float | None
    abundance: float | None
    abundance_se: float | None
    survival: float | None
    births: float | None


def jolly_seber(caps: np.ndarray, *, bias_adjusted: bool = True) -> list[JollySeberOccasion]:
    """Jolly–Seber estimates per occasion from capture histories, assuming every caught
    individual is released (see :func:`jolly_seber_summary`)."""
    caps = np.asarray(caps, dtype=bool)
    k = caps.shape[1]
    if k < 3:
        raise ModelError("Jolly–Seber needs at least 3 occasions")
    first = np.where(caps.any(axis=1), np.argmax(caps, axis=1), k)
    last = np.where(caps.any(axis=1), k - 1 - np.argmax(caps[:, ::-1], axis=1), -1)
    n, m, r, z = [], [], [], []
    for i in range(k):
        col = caps[:, i]
        n.append(int(col.sum()))
        m.append(int((col & (first < i)).sum()))
        r.append(int((col & (last > i)).sum()))
        z.append(int((~col & (first < i) & (last > i)).sum()))
    return jolly_seber_summary(n, m, n, r, z, bias_adjusted=bias_adjusted)


def jolly_seber_summary(n: list[int], m: list[int], R: list[int], r: list[int],
                        z: list[int], *, bias_adjusted: bool = True
                        ) -> list[JollySeberOccasion]:
    """Jolly–Seber estimates from the usual summary statistics per occasion ``i``:
    ``n`` caught, ``m`` of them already marked, ``R`` released, ``r`` of the released
    caught again later, ``z`` caught before and after ``i`` but not at ``i``.

    ``bias_adjusted`` uses the ``+1`` forms (``M = m + (R+1)z/(r+1)``,
    ``N = (n+1)M/(m+1)``) of Seber (1982) and Pollock et al. (1990), whose gray-squirrel
    table the tests reproduce; otherwise Jolly's (1965) originals.
    ``N_i`` is estimable for occasions ``2..k−1``, ``φ_i`` for ``1..k−2`` and ``B_i`` for
    ``2..k−2``; the others (and any with a zero denominator) are None.
    """
    k = len(n)
    a = 1 if bias_adjusted else 0
    marked: list[float | None] = [0.0]
    abundance: list[float | None] = [None]
    for i in range(1, k):
        if i == k - 1 or r[i] + a == 0 or m[i] + a == 0:
            marked.append(None)
            abundance.append(None)
            continue
        M = m[i] + (R[i] + a) * z[i] / (r[i] + a)
        marked.append(M)
        abundance.append((n[i] + a) * M / (m[i] + a))
    out: list[JollySeberOccasion] = []
    for i in range(k):
        phi = births = se = None
        M_i, M_next = marked[i], marked[i + 1] if i + 1 < k else None
        if M_i is not None and M_next is not None and (M_i - m[i] + R[i]) > 0:
            phi = M_next / (M_i - m[i] + R[i])
        N_i = abundance[i]
        N_next = abundance[i + 1] if i + 1 < k else None
        if N_i is not None and N_next is not None and phi is not None:
            births = N_next - phi * (N_i - n[i] + R[i])
        if N_i is not None and M_i and r[i] and m[i] and R[i]:
            # Seber's (1982, eq. 5.10) variance, conditional on N_i.
            term = (M_i - m[i] + R[i]) / M_i * (1 / r[i] - 1 / R[i]) + (1 - m[i] / n[i]) / m[i]
            var = N_i * (N_i - n[i]) * term
            se = math.sqrt(var) if var > 0 else None
        out.append(JollySeberOccasion(i + 1, n[i], m[i], r[i], z[i], M_i, N_i, se, phi,
                                      births))
    return out


def extras(data: CaptureData) -> dict[str, object]:
    """Lincoln–Petersen and Chapman (first two occasions), Schnabel and Jolly–Seber,
    as JSON-ready dicts; an estimator that cannot be computed says why."""
    out: dict[str, object] = {}
    if data.offset is not None or data.n > MAX_INDIVIDUALS:
        return {"error": f"classic estimators need individual histories (at most "
                         f"{MAX_INDIVIDUALS:,} individuals)"}
    counts = np.rint(data.counts).astype(int)
    caps = np.repeat(data.histories.astype(bool), counts, axis=0)
    n1 = int(caps[:, 0].sum())
    n2 = int(caps[:, 1].sum())
    m = int((caps[:, 0] & caps[:, 1]).sum())
    for key, fn in (("lincoln_petersen", lincoln_petersen), ("chapman", chapman)):
        try:
            est = fn(n1, n2, m)
            out[key] = {"abundance": est.abundance, "stderr": est.stderr}
        except ModelError as exc:
            out[key] = {"error": str(exc)}
    s = schnabel(caps)
    out["schnabel"] = {"abundance": s.abundance,
                       "stderr": s.stderr if math.isfinite(s.stderr) else None}
    try:
        out["jolly_seber"] = [
            {"occasion": o.occasion, "abundance": o.abundance, "stderr": o.abundance_se,
             "survival": o.survival, "births": o.births} for o in jolly_seber(caps)]
    except ModelError as exc:
        out["jolly_seber"] = {"error": str(exc)}
    return out
