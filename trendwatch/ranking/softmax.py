"""Weighted multinomial logistic regression (softmax + L2), fitted with scipy's L-BFGS.

The same objective, start and stopping rule as scikit-learn's
``LogisticRegression(solver="lbfgs", C=C, tol=tol, max_iter=max_iter)`` with sample weights:

    sum_i (w_i / sum(w)) * cross_entropy_i  +  ||W||² / (2 · C · sum(w))

(the intercepts are not penalised), but without importing scikit-learn, whose import alone
costs ~46 MB of the ranking process's memory (``benchmarks/bench_public_speed.py``; the
target is ≤ 250 MB on a small server), and with fewer L-BFGS correction pairs: each pair
holds two vectors of all ``classes × features`` weights (~2 MB each at 40k features), and
scipy's default of 10 pairs was the largest single allocation of a training run.

Numpy and scipy only.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

#: L-BFGS correction pairs kept (scipy's default is 10); measured: same macro-F1 on the
#: public sets within 0.005, ~20 MB less peak memory at 4,000 items.
MAX_CORRECTIONS = 5


def fit_softmax(x: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, n_classes: int, *,
                C: float, max_iter: int = 300, tol: float = 1e-3,
                max_corrections: int = MAX_CORRECTIONS) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(n_classes, n_features)`` and intercepts ``(n_classes,)`` of the
    softmax regression of class indices ``y`` (``0 <= y < n_classes``) on the rows of
    ``x``, each row weighted by ``weights``. A class with no row gets whatever the
    optimum gives it (a low intercept): callers decide what to do with it."""
    n, d = x.shape
    y = np.asarray(y, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    if len(y) != n or len(w) != n:
        raise ValueError("x, y and weights must have the same number of rows")
    sw = w / w.sum()
    l2 = 1.0 / (C * w.sum())
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    xt = x.T.tocsr()  # the gradient's product, once

    def loss_grad(params: np.ndarray) -> tuple[float, np.ndarray]:
        coef = params[: n_classes * d].reshape(n_classes, d)
        intercept = params[n_classes * d:]
        # Products in float32 (the features' own precision): scipy would otherwise copy
        # ``x`` to float64 on every call.
        z = np.asarray(x @ coef.T.astype(np.float32), dtype=np.float64) + intercept
        z -= z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1, keepdims=True))
        log_p = z - log_norm
        loss = -float(np.sum(sw * np.sum(onehot * log_p, axis=1)))
        loss += 0.5 * l2 * float(np.dot(params[: n_classes * d], params[: n_classes * d]))
        resid = (np.exp(log_p) - onehot) * sw[:, None]
        grad = np.empty_like(params)
        grad[: n_classes * d] = (np.asarray(xt @ resid.astype(np.float32)).T
                                 + l2 * coef).ravel()
        grad[n_classes * d:] = resid.sum(axis=0)
        return loss, grad

    # One BLAS thread: L-BFGS's vector updates are too small to gain from OpenBLAS's
    # threads, which spin and took more than half the CPU of a training run on two cores
    # (4,000 items: 8.3 s CPU before, 3.5 s after; benchmarks/bench_public_speed.py).
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(loss_grad, np.zeros(n_classes * (d + 1)), method="L-BFGS-B", jac=True,
                          options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                                   "ftol": 64 * np.finfo(float).eps,
                                   "maxcor": max_corrections})
    params = result.x
    return (params[: n_classes * d].reshape(n_classes, d).astype(np.float32),
            params[n_classes * d:].copy())
