"""Closed-population capture–recapture: how many sellers exist, seen or not.

Each individual (a seller) has a capture history, one 0/1 per occasion (a crawl, a
week, a platform). The models are Poisson log-linear models on the table of the
``2^t − 1`` observable histories; the unobserved cell's expected count is
``exp(intercept)``, so the abundance is ``N = n + exp(β0)`` (Cormack 1989; Rivest and
Lévesque 2001; the parametrisation of R's Rcapture, whose documented results the tests
reproduce). Models:

* ``M0`` one capture probability; ``Mt`` one per occasion;
* ``Mh`` heterogeneous individuals, with four forms of the heterogeneity column of the
  number of captures ``k``: ``Chao`` (lower bound: ``max(k − j + 1, 0)`` for ``j = 3..t``;
  negative coefficients are set to zero), ``Poisson2`` (``2^k − 1``), ``Darroch``
  (``k²/2``), ``Gamma3.5`` (``−log(3.5 + k) + log 3.5``); ``Mth`` is ``Mt`` plus the same;
* ``Mb`` a behavioural response (first capture vs recapture); ``Mbh`` plus heterogeneity
  between the first occasion and the rest.

Every model reports abundance, standard error (``Var N̂ = e^{2β0} Var β0 + e^{β0}``),
deviance, residual df, AIC and a multinomial profile-likelihood confidence interval.
A model that cannot be fitted says why; the others are still reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq
from scipy.special import gammaln
from scipy.stats import chi2

from wildtrace.errors import InputError, ModelError
from wildtrace.measure.glm import PoissonFit, fit_poisson

MAX_FULL_OCCASIONS = 14  # 2^14 cells: beyond this, use the frequency-of-capture form
MODEL_NAMES = ("M0", "Mt", "Mh Chao", "Mh Poisson2", "Mh Darroch", "Mh Gamma3.5",
               "Mth Chao", "Mth Poisson2", "Mth Darroch", "Mth Gamma3.5", "Mb", "Mbh")


@dataclass(frozen=True)
class CaptureData:
    """Observed capture histories as a frequency table."""

    histories: np.ndarray  # (cells, t) 0/1, every observable history
    counts: np.ndarray  # (cells,) how many individuals had each history
    t: int
    # Set on the frequency-of-capture form (see :func:`by_frequency`): cell k has the
    # single "history" column k and offset log C(t, k).
    offset: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of distinct individuals captured."""
        return int(self.counts.sum())

    @property
    def nbcap(self) -> np.ndarray:
        """Number of captures of each history."""
        return np.asarray(self.histories.sum(axis=1))


@dataclass
class ModelResult:
    """One fitted (or failed) model, in the shape of the ``--json`` contract."""

    model: str
    abundance: float | None = None
    stderr: float | None = None
    deviance: float | None = None
    df: int | None = None
    aic: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_estimate: float | None = None
    error: str | None = None
    params: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The JSON object of this model (rounded for reading, not for computing)."""
        def r(x: float | None, d: int = 4) -> float | None:
            return None if x is None or not math.isfinite(x) else round(x, d)
        out: dict[str, object] = {
            "model": self.model, "abundance": r(self.abundance), "stderr": r(self.stderr),
            "deviance": r(self.deviance), "df": self.df, "aic": r(self.aic),
            "ci_low": r(self.ci_low), "ci_high": r(self.ci_high),
        }
        if self.ci_high is not None and math.isinf(self.ci_high):
            out["ci_high"] = "inf"
        if self.error:
            out["error"] = self.error
        return out


def all_histories(t: int) -> np.ndarray:
    """Every observable history of ``t`` occasions (all but all-zero), 1s first."""
    rows = [h for h in itertools.product((1, 0), repeat=t) if any(h)]
    return np.array(rows, dtype=np.int8)


def from_histories(rows: list[list[int]] | np.ndarray, freq: list[float] | None = None,
                   *, source: str = "<data>", first_row: int = 1) -> CaptureData:
    """Tabulate individual histories (``rows``; optional ``freq`` per row).

    ``first_row`` is the file row of ``rows[0]``, so messages point at the right line.

    Raises :class:`InputError` (naming ``source`` and the row) for values other than 0/1,
    a row without any capture, an occasion on which nobody was captured, or data with
    no recapture at all.
    """
    arr = np.asarray(rows)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise InputError("no capture histories", file=source,
                         hint="one row per individual, one 0/1 column per occasion")
    t = arr.shape[1]
    if t < 2:
        raise InputError("capture–recapture needs at least 2 occasions (columns)", file=source)
    weights = np.ones(arr.shape[0]) if freq is None else np.asarray(freq, dtype=float)
    bad = np.argwhere((arr != 0) & (arr != 1))
    if bad.size:
        i, j = bad[0]
        raise InputError(f"value {arr[i, j]!r} in occasion {j + 1} is not 0 or 1",
                         file=source, row=int(i) + first_row)
    empty_rows = np.flatnonzero((arr.sum(axis=1) == 0) & (weights > 0))
    if empty_rows.size:
        raise InputError("a history with no capture (all zeros) cannot be observed",
                         file=source, row=int(empty_rows[0]) + first_row,
                         hint="remove rows of individuals never captured")
    per_occ = (arr * weights[:, None]).sum(axis=0)
    empty = np.flatnonzero(per_occ == 0)
    if empty.size:
        raise InputError(f"occasion {int(empty[0]) + 1} has no capture at all", file=source,
                         hint="drop that column or merge it with a neighbouring occasion")
    if float(weights[arr.sum(axis=1) >= 2].sum()) == 0:
        raise InputError("no individual was captured more than once: too few recaptures "
                         "to estimate anything", file=source)
    if t > MAX_FULL_OCCASIONS:
        hist = np.unique(arr, axis=0)
    else:
        hist = all_histories(t)
    index = {tuple(h): i for i, h in enumerate(hist.tolist())}
    counts = np.zeros(len(hist))
    for row, w in zip(arr.tolist(), weights, strict=True):
        counts[index[tuple(row)]] += w
    return CaptureData(histories=hist.astype(float), counts=counts, t=t)


def by_frequency(data: CaptureData) -> CaptureData:
    """The same data as counts ``f_k`` of individuals caught ``k`` times (k = 1..t).

    Models that depend on a history only through its number of captures (M0 and Mh)
    give the same abundance and standard error on this ``t``-cell table, which stays
    small however many occasions there are (Rcapture's ``closedp.0``); deviance and df
    then refer to the ``t`` cells.
    """
    if data.offset is not None:
        return data
    k = data.histories.sum(axis=1).astype(int)
    f = np.bincount(k, weights=data.counts, minlength=data.t + 1)[1:]
    ks = np.arange(1, data.t + 1, dtype=float)
    offset = np.array([math.lgamma(data.t + 1) - math.lgamma(j + 1) - math.lgamma(data.t - j + 1)
                       for j in range(1, data.t + 1)])
    return CaptureData(histories=ks[:, None], counts=f, t=data.t, offset=offset)


def _h_columns(kind: str, k: np.ndarray, t: int) -> np.ndarray:
    if kind == "Chao":
        return np.column_stack([np.maximum(k - j + 1, 0) for j in range(3, t + 1)])
    if kind == "Poisson2":
        return (2.0 ** k - 1.0)[:, None]
    if kind == "Darroch":
        return (k ** 2 / 2.0)[:, None]
    if kind == "Gamma3.5":
        return (-np.log(3.5 + k) + math.log(3.5))[:, None]
    raise ValueError(kind)


def design(model: str, data: CaptureData,
           interactions: tuple[tuple[int, int], ...] = ()) -> tuple[np.ndarray, list[str]]:
    """The design matrix (without intercept) of ``model`` and its column names.

    ``interactions`` adds, for ``Mt``/``Mth``, one column per pair of occasions (1-based)
    for lists that are not independent (multiple-systems estimation: a seller seen on
    one platform is more likely to be seen on a related one).
    """
    h, t = data.histories, data.t
    k = data.nbcap
    base, _, het = model.partition(" ")
    if data.offset is not None and base not in ("M0", "Mh"):
        raise ModelError(f"{base} needs the full table of histories, which is too large for "
                         f"{t} occasions (at most {MAX_FULL_OCCASIONS}); pool occasions")
    if base == "M0" or base == "Mh":
        X, names = k[:, None], ["beta"]
    elif base in ("Mt", "Mth"):
        X, names = h, [f"beta{j + 1}" for j in range(t)]
    elif base in ("Mb", "Mbh"):
        first = np.argmax(h > 0, axis=1).astype(float)  # occasions before first capture
        X = np.column_stack([first, k - 1])
        names = ["before_first", "recaptures"]
        if base == "Mbh":
            X = np.column_stack([1.0 - h[:, 0], X])
            names = ["not_first"] + names
    else:
        raise ValueError(model)
    if interactions:
        if base not in ("Mt", "Mth"):
            raise ModelError("occasion interactions go with Mt or Mth")
        for i, j in interactions:
            if not (1 <= i <= t and 1 <= j <= t and i != j):
                raise ModelError(f"no occasions {i} and {j} to interact")
            X = np.column_stack([X, h[:, i - 1] * h[:, j - 1]])
            names.append(f"c{i}:c{j}")
    if het:
        if t < 3:
            raise ModelError("heterogeneity models need at least 3 occasions")
        H = _h_columns(het, k, t)
        X = np.column_stack([X, H])
        names += ([f"eta{j}" for j in range(3, t + 1)] if het == "Chao" else ["tau"])
    return X, names


def _fit_model(model: str, data: CaptureData, interactions: tuple[tuple[int, int], ...] = ()
               ) -> tuple[PoissonFit, np.ndarray, list[str]]:
    X, names = design(model, data, interactions)
    if model.endswith("Chao"):
        # Chao's lower bound: negative eta coefficients are set to zero (columns dropped)
        # and the model refitted, until every remaining eta is non-negative.
        keep = list(range(X.shape[1]))
        while True:
            fit = fit_poisson(X[:, keep], data.counts, data.offset)
            neg = [c for pos, c in enumerate(keep)
                   if names[c].startswith("eta") and fit.coef[pos + 1] < 0]
            if not neg:
                return fit, X[:, keep], [names[c] for c in keep]
            keep = [c for c in keep if c not in neg]
    fit = fit_poisson(X, data.counts, data.offset)
    return fit, X, names


def abundance_of(fit: PoissonFit, n: int) -> tuple[float, float]:
    """Abundance and its standard error from a fit's intercept."""
    b0 = float(fit.coef[0])
    # Beyond 10^5 unseen per seen individual the data carry no information on N.
    if b0 > math.log(1e5 * max(n, 1)):
        raise ModelError("the estimated number of unseen individuals is unbounded "
                         "(the data cannot bound this model)")
    n0 = math.exp(b0)
    var = n0 * n0 * float(fit.cov[0, 0]) + n0
    return n + n0, math.sqrt(var)


def _behaviour_n(model: str, beta: np.ndarray, t: int) -> float:
    """Abundance implied by the log-linear ``Mb``/``Mbh`` coefficients.

    With ``c`` the recapture probability (``logit c = β_recaptures``) and ``p`` the
    first-capture probability (``log(1−p) − log(1−c) = β_before_first``), the first-capture
    cells pin down ``N``; under ``Mbh`` the first occasion has its own probability.
    """
    if model == "Mb":
        b0, b1, b2 = beta[:3]
        denom = 1 + math.exp(b2) - math.exp(b1)
        if denom <= 0:
            raise ModelError("the first-capture probability is estimated at zero")
        return math.exp(b0) * (1 + math.exp(b2)) ** t / denom
    b0, eta, b1, b2 = beta[:4]
    denom = 1 + math.exp(b2) - math.exp(b1)
    if denom <= 0:
        raise ModelError("the first-capture probability is estimated at zero")
    return math.exp(b0) * (1 + math.exp(b2)) ** (t - 1) * (1 + math.exp(eta + b1) / denom)


def behaviour_abundance(model: str, fit: PoissonFit, t: int) -> tuple[float, float]:
    """``Mb``/``Mbh`` abundance and standard error (delta method, numerical gradient)."""
    beta = np.asarray(fit.coef, dtype=float)
    n_hat = _behaviour_n(model, beta, t)
    grad = np.zeros(len(beta))
    for i in range(len(beta)):
        h = 1e-6 * max(1.0, abs(beta[i]))
        up, down = beta.copy(), beta.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (_behaviour_n(model, up, t) - _behaviour_n(model, down, t)) / (2 * h)
    # Minus N: the Poisson variance of the total is not part of the multinomial error.
    var = float(grad @ fit.cov @ grad) - n_hat
    if var < 0:
        raise ModelError("the variance of the abundance is not estimable for these data")
    return n_hat, math.sqrt(var)


def profile_ci(data: CaptureData, X: np.ndarray, n_hat: float, se: float,
               alpha: float = 0.05) -> tuple[float, float, float]:
    """Multinomial profile-likelihood estimate and ``1 − alpha`` interval for ``N``.

    For a trial ``N`` the unobserved cell gets count ``N − n`` and design row zero; the
    Poisson fit of the completed table gives the multinomial profile log-likelihood
    ``ℓ_P(N) − (N log N − N − log N!)``. The upper limit is ``inf`` when the likelihood
    does not drop enough before ``N`` reaches 10⁸.
    """
    n = data.n
    Xc = np.vstack([X, np.zeros((1, X.shape[1]))])
    off = None if data.offset is None else np.append(data.offset, 0.0)  # log C(t, 0) = 0
    warm: list[np.ndarray] = []

    def prof(N: float) -> float:
        y = np.append(data.counts, N - n)
        fit = fit_poisson(Xc, y, off, start=warm[-1] if warm else None, check_rank=not warm)
        warm[:] = [fit.coef]
        return fit.loglik - (N * math.log(N) - N - float(gammaln(N + 1.0)))

    # The maximum: golden-section search over (n, upper).
    lo = float(n) + 1e-6
    hi = max(n_hat + 6 * se, n + 10.0)
    while prof(hi) > prof((lo + hi) / 2) and hi < 1e8:
        hi *= 2
    a, b = lo, hi
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = prof(c), prof(d)
    for _ in range(80):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = prof(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = prof(d)
        if b - a < 1e-6 * max(1.0, a):
            break
    best = (a + b) / 2
    top = prof(best)
    cut = float(chi2.ppf(1 - alpha, 1)) / 2

    def drop(N: float) -> float:
        return top - prof(N) - cut

    low = float(n) if drop(lo) < 0 else brentq(drop, lo, best, xtol=1e-6)
    up = best + max(se, 1.0)
    while drop(up) < 0 and up < 1e8:
        up = best + (up - best) * 2
    high = math.inf if drop(up) < 0 else brentq(drop, best, up, xtol=1e-6)
    return best, low, high


def fit_one(model: str, data: CaptureData, *, ci: bool = True,
            interactions: tuple[tuple[int, int], ...] = ()) -> ModelResult:
    """Fit one named model (optionally with occasion ``interactions``); on failure the
    result carries the reason in ``error``."""
    label = model + "".join(f" +c{i}:c{j}" for i, j in interactions)
    res = ModelResult(label)
    try:
        if data.t > MAX_FULL_OCCASIONS:
            data = by_frequency(data)
        if data.t == 2 and model not in ("M0", "Mt", "Mb"):
            raise ModelError("with 2 occasions only M0, Mt and Mb can be fitted")
        fit, X, names = _fit_model(model, data, interactions)
        res.deviance, res.df, res.aic = fit.deviance, fit.df_resid, fit.aic
        res.params = dict(zip(["intercept"] + names, map(float, fit.coef), strict=True))
        if model in ("Mb", "Mbh"):
            # The unseen cell of a behavioural model is not exp(intercept): the
            # abundance follows from the model's probabilities instead.
            res.abundance, res.stderr = behaviour_abundance(model, fit, data.t)
            return res
        res.abundance, res.stderr = abundance_of(fit, data.n)
        if ci:
            res.ci_estimate, res.ci_low, res.ci_high = profile_ci(
                data, X, res.abundance, res.stderr)
    except ModelError as exc:
        res.error = str(exc)
    except (FloatingPointError, ValueError, OverflowError) as exc:
        res.error = f"the fit failed numerically: {exc}"
    return res


def closed_population(data: CaptureData, models: tuple[str, ...] = MODEL_NAMES, *,
                      ci: bool = True, interactions: tuple[tuple[int, int], ...] = ()
                      ) -> list[ModelResult]:
    """Fit every model in ``models`` (``interactions`` apply to Mt and Mth); each failure
    is reported, never raised."""
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        return [fit_one(m, data, ci=ci,
                        interactions=interactions if m.split(" ")[0] in ("Mt", "Mth") else ())
                for m in models]


def summary(data: CaptureData, results: list[ModelResult]) -> dict[str, object]:
    """The ``recapture --json`` document."""
    return {"n_captured": data.n, "occasions": data.t,
            "models": [r.as_dict() for r in results]}


Formatter = Callable[[float | None], str]


def table(data: CaptureData, results: list[ModelResult]) -> str:
    """A fixed-width text table of the results, as ``recapture`` prints it."""
    def f(x: float | None, d: int = 1) -> str:
        return "" if x is None else ("inf" if math.isinf(x) else f"{x:.{d}f}")
    w = max([14] + [len(r.model) + 2 for r in results])
    lines = [f"Number of captured units: {data.n} ({data.t} occasions)", "",
             f"{'model':<{w}}{'abundance':>10}{'stderr':>8}{'deviance':>10}{'df':>5}"
             f"{'AIC':>10}{'95% CI':>18}"]
    for r in results:
        if r.error:
            lines.append(f"{r.model:<{w}}  not fitted: {r.error}")
            continue
        ci = f"{f(r.ci_low)}–{f(r.ci_high)}" if r.ci_low is not None else ""
        lines.append(f"{r.model:<{w}}{f(r.abundance):>10}{f(r.stderr):>8}"
                     f"{f(r.deviance, 3):>10}{r.df:>5}{f(r.aic, 3):>10}{ci:>18}")
    return "\n".join(lines)
