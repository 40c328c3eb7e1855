"""Reference values for PsisTest and CriteriaTest (run: python3 psis_reference.py; numpy only).

An independent re-implementation, in numpy, of the R package loo 2.x (2.0 to 2.9):
  gpdfit()      R/gpdfit.R   Zhang & Stephens (2009) with min_grid_pts = 30 and the weakly
                             informative prior k <- (n k + 10 * 0.5) / (n + 10)
  do_psis_i()   R/psis.R     tail length ceiling(min(0.2 S, 3 sqrt(S))) (r_eff = 1), GPD fit to
                             exp(tail) - exp(cutoff) on log ratios shifted by their max, tail replaced by
                             the GPD quantiles at (j - 0.5) / M, smoothed log weights truncated at the
                             largest raw log ratio; k = Inf when the tail is shorter than 5 or constant
  loo()         R/loo.R      elpd_loo_i = logsumexp(normalised log weights + log lik)
  waic()        R/waic.R     lpd_i - var(log lik), var with divisor S - 1
It is written from the formulas, not from the Java, so that the Java tests can fail.
The printed numbers are embedded, with 17 significant digits, in the Java tests.
"""
import math

import numpy as np


def gpdfit(x, wip=True, min_grid_pts=30):
    """(k, sigma) of the generalized Pareto distribution fitted to x (location 0), loo's sign of k."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    prior = 3.0
    m = min_grid_pts + int(math.floor(math.sqrt(n)))
    jj = np.arange(1, m + 1, dtype=float)
    xstar = x[int(math.floor(n / 4.0 + 0.5)) - 1]  # first quartile (R is 1-based)
    # a first quartile of 0 makes every grid point -inf: the NaN that follows is loo's k = Inf
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = 1.0 / x[n - 1] + (1.0 - np.sqrt(m / (jj - 0.5))) / prior / xstar
        k = np.array([np.mean(np.log1p(-t * x)) for t in theta])
        l_theta = n * (np.log(-theta / k) - k - 1.0)  # profile log likelihood
        w_theta = np.exp(l_theta - l_theta.max())
        w_theta /= w_theta.sum()
        theta_hat = float(np.sum(theta * w_theta))
        k_hat = float(np.mean(np.log1p(-theta_hat * x)))
        sigma_hat = -k_hat / theta_hat
    if wip:
        k_hat = (k_hat * n + 0.5 * 10) / (n + 10)
    if math.isnan(k_hat):
        k_hat = math.inf
    return k_hat, sigma_hat


def qgpd(p, k, sigma):
    return sigma * np.expm1(-k * np.log1p(-p)) / k


def psis(log_ratios):
    """(unnormalised smoothed log weights in the input's order, k-hat) as loo 2.x do_psis_i."""
    lr = np.asarray(log_ratios, dtype=float)
    s = len(lr)
    tail_len = int(math.ceil(min(0.2 * s, 3.0 * math.sqrt(s))))
    lw = lr - lr.max()
    khat = math.inf
    if tail_len >= 5:
        order = np.argsort(lw, kind="stable")
        tail_ids = order[s - tail_len:]
        lw_tail = lw[tail_ids]
        if abs(lw_tail.max() - lw_tail.min()) >= np.finfo(float).eps / 100:
            cutoff = lw[order[s - tail_len - 1]]
            k, sigma = gpdfit(np.exp(lw_tail) - math.exp(cutoff))
            khat = k
            if math.isfinite(k):
                p = (np.arange(1, tail_len + 1) - 0.5) / tail_len
                lw[tail_ids] = np.log(qgpd(p, k, sigma) + math.exp(cutoff))
    lw[lw > 0] = 0.0
    return lw + lr.max(), khat


def logsumexp(v):
    v = np.asarray(v, dtype=float)
    m = v.max()
    return m + math.log(np.sum(np.exp(v - m)))


def loo_waic_pointwise(loglik):
    """Pointwise (lpd, elpd_waic, p_waic, elpd_loo, p_loo, k) of one observation's S log likelihoods."""
    ll = np.asarray(loglik, dtype=float)
    s = len(ll)
    lpd = logsumexp(ll) - math.log(s)
    p_waic = float(np.var(ll, ddof=1))
    lw, k = psis(-ll)
    lw_norm = lw - logsumexp(lw)
    elpd_loo = logsumexp(lw_norm + ll)
    return lpd, lpd - p_waic, p_waic, elpd_loo, lpd - elpd_loo, k


def formula_log_ratios(s, k0, stride):
    """The deterministic test vector (identical formula in PsisTest): Pareto(k0) quantiles with a
    sinusoidal wobble, stored in a strided order so that the largest ratios are not at the end."""
    out = np.empty(s)
    for i in range(s):
        j = (i * stride) % s
        u = (j + 0.5) / s
        out[i] = -k0 * math.log1p(-u) + 0.3 * math.sin(1.7 * j)
    return out


def pareto_quantile_loglik(s, k0, stride):
    """Log likelihoods whose ratios 1/p are the exact Pareto(k0) quantiles (1 - u)^(-k0), strided."""
    out = np.empty(s)
    for i in range(s):
        j = (i * stride) % s
        u = (j + 0.5) / s
        out[i] = k0 * math.log1p(-u)
    return out


GPD_SAMPLE_HEAVY = [0.005871, 0.01448, 0.145688, 0.183066, 0.271783, 0.315863, 0.324136, 0.356702,
                    0.705597, 0.713667, 0.923079, 1.099591, 1.250615, 1.354864, 2.268385, 2.293745,
                    2.499568, 2.753743, 3.132929, 48.292259]
GPD_SAMPLE_BOUNDED = [0.014997, 0.059876, 0.087813, 0.094766, 0.113739, 0.127401, 0.138506, 0.201483,
                      0.246184, 0.295881, 0.306211, 0.322911, 0.337554, 0.346029, 0.39848, 0.428154,
                      0.429043, 0.434047, 0.436393, 0.449179, 0.486324, 0.590658, 0.602416, 0.616907,
                      0.629228, 0.689084, 0.78614, 0.82504, 0.892681, 0.926109, 0.94557, 1.028538,
                      1.044654, 1.056888, 1.260045, 1.418556, 1.51803, 1.583071, 1.877272, 2.107837]
GPD_SAMPLE_TIED = [0.0, 0.1, 0.1, 0.3, 0.9]


def r17(v):
    return repr(float(v))


if __name__ == "__main__":
    for name, sample in [("HEAVY", GPD_SAMPLE_HEAVY), ("BOUNDED", GPD_SAMPLE_BOUNDED),
                         ("TIED", GPD_SAMPLE_TIED)]:
        k, sigma = gpdfit(sample)
        print(f"gpdfit {name}: k = {r17(k)}, sigma = {r17(sigma)}")

    lr = formula_log_ratios(60, 0.6, 7)
    lw, k = psis(lr)
    lw_norm = lw - logsumexp(lw)
    print("psis formula(S=60, k0=0.6, stride=7): k =", r17(k))
    print("  normalised log weights:", ", ".join(r17(v) for v in lw_norm))

    lr = formula_log_ratios(1000, 0.3, 389)
    lw, k = psis(lr)
    lw_norm = lw - logsumexp(lw)
    print("psis formula(S=1000, k0=0.3, stride=389): k =", r17(k),
          " lw[0] =", r17(lw_norm[0]), " max lw =", r17(lw_norm.max()),
          " argmax =", int(np.argmax(lw_norm)))

    for k0 in (0.2, 0.85, 1.5):
        ll = pareto_quantile_loglik(4000, k0, 1031)
        lpd, elpd_waic, p_waic, elpd_loo, p_loo, k = loo_waic_pointwise(ll)
        print(f"pareto quantiles S=4000 k0={k0}: k = {r17(k)}, elpd_loo = {r17(elpd_loo)}, "
              f"lpd = {r17(lpd)}, p_waic = {r17(p_waic)}")
