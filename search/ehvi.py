"""Expected hypervolume improvement in two objectives (both minimised) for a candidate whose
objectives are independent Gaussians, in closed form and in log space.

The improvement of a point z over a front, inside the box below the reference point r, is a
sum over the front's strips: with the front sorted by the first objective (p_1 .. p_n, the
second objective falling), strip i spans [a_i, b_i) = [p_i1, p_(i+1)1) in the first objective
(a_0 = -inf, b_n = r_1) at the level L_i = p_i2 (L_0 = r_2), and

    I(z) = sum_i (b_i - max(z_1, a_i))^+ * (L_i - z_2)^+.

Independence turns the expectation into a sum of products, each term a difference of the
expected improvement below a level, g(c) = E[(c - z)^+] = sigma * h((c - mu) / sigma) with
h(u) = u * Phi(u) + phi(u):

    EHVI = sum_i (g_1(b_i) - g_1(a_i)) * g_2(L_i),

O(n) per candidate. Far below the front every term underflows, so the terms are built from
log h (stable for very negative u) and summed with logsumexp: candidates stay comparable
where the plain value would be 0 for all of them (the LogEHVI lesson).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfcx, log_ndtr, logsumexp

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def log_h(u: np.ndarray) -> np.ndarray:
    """log(u * Phi(u) + phi(u)), accurate for every u (h > 0 everywhere). For u < -1 it is
    written with the scaled complementary error function, h(u) = exp(-u^2 / 2) *
    (1 / sqrt(2 pi) + u / 2 * erfcx(-u / sqrt(2))), which neither underflows nor cancels."""
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    near = u > -1.0
    un = u[near]
    out[near] = np.log(un * np.exp(log_ndtr(un)) + np.exp(-0.5 * un**2 - _LOG_SQRT_2PI))
    uf = u[~near]
    out[~near] = -0.5 * uf**2 + np.log(np.exp(-_LOG_SQRT_2PI) + 0.5 * uf * erfcx(-uf / np.sqrt(2)))
    return out


def _log_g(c: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """log E[(c - z)^+] for z ~ N(mu, sigma); -inf for c = -inf."""
    with np.errstate(invalid="ignore"):
        u = (c - mu) / sigma
    out = np.full(np.broadcast(c, mu, sigma).shape, -np.inf)
    finite = np.isfinite(u)
    out[finite] = np.log(np.broadcast_to(sigma, out.shape)[finite]) + log_h(u[finite])
    return out


def _log_diff(log_big: np.ndarray, log_small: np.ndarray) -> np.ndarray:
    """log(exp(log_big) - exp(log_small)) for log_big >= log_small."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isneginf(log_small), 0.0, np.exp(log_small - log_big))
        return log_big + np.log1p(-np.minimum(ratio, 1.0))


def strips(front: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strips (a, b, level) of a 2-D front below ``reference``: its non-dominated points
    inside the box, sorted by the first objective."""
    points = np.asarray(front, dtype=float).reshape(-1, 2)
    points = points[np.all(points < reference, axis=1)]
    points = points[np.lexsort((points[:, 1], points[:, 0]))]
    kept = []
    best_second = np.inf
    for point in points:
        if point[1] < best_second:
            kept.append(point)
            best_second = point[1]
    p = np.array(kept).reshape(-1, 2)
    a = np.concatenate([[-np.inf], p[:, 0]])
    b = np.concatenate([p[:, 0], [reference[0]]])
    level = np.concatenate([[reference[1]], p[:, 1]])
    return a, b, level


def log_ehvi(
    mean: np.ndarray, std: np.ndarray, front: np.ndarray, reference: np.ndarray
) -> np.ndarray:
    """log EHVI of each candidate (rows of ``mean`` and ``std``, two columns) over ``front``.
    ``std`` must be positive (floor it: a zero uncertainty has no log)."""
    mean = np.asarray(mean, dtype=float).reshape(-1, 2)
    std = np.asarray(std, dtype=float).reshape(-1, 2)
    reference = np.asarray(reference, dtype=float)
    a, b, level = strips(front, reference)
    mu1, s1 = mean[:, :1], std[:, :1]
    mu2, s2 = mean[:, 1:], std[:, 1:]
    log_width = _log_diff(_log_g(b[None, :], mu1, s1), _log_g(a[None, :], mu1, s1))
    log_height = _log_g(level[None, :], mu2, s2)
    return logsumexp(log_width + log_height, axis=1)


def ehvi(mean: np.ndarray, std: np.ndarray, front: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """EHVI itself (may underflow to 0 far below the front; rank with ``log_ehvi``)."""
    return np.exp(log_ehvi(mean, std, front, reference))


def improvement(point: np.ndarray, front: np.ndarray, reference: np.ndarray) -> float:
    """The hypervolume a single point adds to ``front`` (the strip sum at the point)."""
    a, b, level = strips(front, reference)
    z1, z2 = float(point[0]), float(point[1])
    widths = np.clip(b - np.maximum(z1, a), 0.0, None)
    return float(np.sum(widths * np.clip(level - z2, 0.0, None)))
