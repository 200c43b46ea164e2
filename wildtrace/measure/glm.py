"""Poisson log-linear regression fitted by iteratively reweighted least squares.

Capture–recapture models for closed populations are Poisson GLMs on the table of
observed capture histories (Cormack 1989; Rivest's loglinear approach). This module is
that one fitting routine, written with numpy so the package needs no statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from wildtrace.errors import ModelError

FloatArray = np.ndarray


@dataclass(frozen=True)
class PoissonFit:
    """The result of one Poisson GLM fit."""

    coef: FloatArray  # intercept first
    cov: FloatArray  # inverse Fisher information
    fitted: FloatArray
    deviance: float
    loglik: float
    df_resid: int
    iterations: int

    @property
    def aic(self) -> float:
        """Akaike's criterion as R's ``glm`` computes it for the Poisson family."""
        return -2.0 * self.loglik + 2.0 * len(self.coef)


def poisson_loglik(y: FloatArray, mu: FloatArray) -> float:
    """Poisson log-likelihood, with the ``log y!`` term (as R reports it)."""
    safe = np.where(mu > 0, mu, 1.0)
    return float(np.sum(np.where(y > 0, y * np.log(safe), 0.0) - mu - gammaln(y + 1.0)))


def poisson_deviance(y: FloatArray, mu: FloatArray) -> float:
    """Residual deviance ``2 Σ [y log(y/μ) − (y − μ)]``."""
    ratio = np.where(y > 0, y / np.where(mu > 0, mu, 1.0), 1.0)
    return float(2.0 * np.sum(np.where(y > 0, y * np.log(ratio), 0.0) - (y - mu)))


def fit_poisson(X: FloatArray, y: FloatArray, offset: FloatArray | None = None, *,
                max_iter: int = 100, tol: float = 1e-10, start: FloatArray | None = None,
                check_rank: bool = True) -> PoissonFit:
    """Fit ``log E[y] = offset + [1, X] β`` by IRLS.

    ``start`` (coefficients, intercept first) warm-starts the iterations, which makes the
    many refits of a profile likelihood cheap; ``check_rank=False`` skips the rank test
    when the caller has already made it for this design.

    Raises :class:`ModelError` when the design is rank-deficient or the fit diverges
    (a coefficient running off to infinity, as happens when a model does not suit the
    data), so callers can report why a model was not fitted.
    """
    n = len(y)
    A = np.column_stack([np.ones(n), X]) if X.size else np.ones((n, 1))
    off = np.zeros(n) if offset is None else offset
    if check_rank and np.linalg.matrix_rank(A) < A.shape[1]:
        raise ModelError("the design matrix is not of full rank for these data")
    if start is not None:
        eta = off + A @ start
        mu = np.exp(eta)
    else:
        mu = y + 0.5
        eta = np.log(mu)
    dev_old = np.inf
    beta = np.zeros(A.shape[1])
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (kept for the result)
        z = eta - off + (y - mu) / mu
        w = mu
        Aw = A * w[:, None]
        try:
            beta = np.linalg.solve(A.T @ Aw, Aw.T @ z)
        except np.linalg.LinAlgError as exc:
            raise ModelError("the fit is singular (no information on a parameter)") from exc
        eta = off + A @ beta
        if not np.all(np.isfinite(eta)) or np.max(eta) > 700:
            raise ModelError("the fit diverged (a parameter ran off to infinity)")
        mu = np.exp(eta)
        dev = poisson_deviance(y, mu)
        if abs(dev - dev_old) <= tol * (abs(dev) + 0.1):
            break
        dev_old = dev
    else:
        raise ModelError(f"the fit did not converge in {max_iter} iterations")
    info = A.T @ (A * mu[:, None])
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise ModelError("the information matrix is singular") from exc
    return PoissonFit(coef=beta, cov=cov, fitted=mu, deviance=dev,
                      loglik=poisson_loglik(y, mu), df_resid=n - A.shape[1], iterations=iterations)
