#!/usr/bin/env python3
"""Reference values for bmoe.analysis.ConvergenceTest.

An independent numpy/scipy transcription of the R package posterior (stan-dev/posterior, R/convergence.R:
rhat, ess_bulk, ess_tail, ess_basic, ess_quantile, mcse_mean, mcse_quantile), written from the R source,
not from the Java code. Differences in method from the Java side, on purpose:
  * autocovariance by the direct O(N^2) sum, not by FFT;
  * ranks by scipy.stats.rankdata(method="average"), the normal quantile by scipy.special.ndtri;
  * qbeta by scipy.stats.beta.ppf.
R details kept: quantile type 7 as R computes it, (1 - h) * x[lo] + h * x[hi]; median as the mean of the
two middle values; split chains drop the middle draw of odd-length chains; tau_hat with R's sum over
rho[1:max_t], which for max_t = 0 reads 1:0 = c(1, 0), i.e. rho[1] alone.

Cross-check: the printed values agree with posterior 1.4.0 itself (Debian's r-cran-posterior, R 4.2.2) to a
relative 1e-15, NaN for NA, for every case below, by
    rhat(x), ess_bulk(x), ess_tail(x), ess_basic(x), mcse_mean(x), mcse_quantile(x, 0.05),
    mcse_quantile(x, 0.95), quantile(x, c(0.05, 0.5, 0.95))
on x = the case as an iterations x chains matrix.

Run: python3 convergence_reference.py   (needs numpy and scipy; prints the rows of ConvergenceTest.REFERENCE)
"""
import numpy as np
from scipy.special import ndtri
from scipy.stats import beta, rankdata

EPS = np.finfo(float).eps
INF = float("inf")


def split_chains(x):
    """x is (iterations, chains), as posterior's matrices."""
    n = x.shape[0]
    if n == 1:
        return x
    half = n / 2
    first = x[: int(np.floor(half)), :]
    second = x[int(np.ceil(half + 1)) - 1:, :]
    return np.concatenate([first, second], axis=1)


def is_constant(x):
    return abs(np.max(x) - np.min(x)) < EPS


def should_return_na(x):
    return (not np.all(np.isfinite(x))) or is_constant(x)


def autocovariance(x):
    n = len(x)
    varx = np.var(x, ddof=1)
    if varx == 0:
        return np.zeros(n)
    yc = x - np.mean(x)
    ac = np.array([np.dot(yc[: n - k], yc[k:]) for k in range(n)])
    return ac / ac[0] * varx * (n - 1) / n


def z_scale(x, c=3 / 8):
    r = rankdata(x.ravel(), method="average").reshape(x.shape)
    s = x.size
    return ndtri((r - c) / (s - 2 * c + 1))


def fold_draws(x):
    return np.abs(x - r_median(x))


def r_median(x):
    v = np.sort(x.ravel())
    n = len(v)
    half = (n + 1) // 2
    if n % 2 == 1:
        return v[half - 1]
    return (v[half - 1] + v[half]) / 2


def r_quantile7(x, prob):
    v = np.sort(x.ravel())
    n = len(v)
    index = 1 + (n - 1) * prob
    lo = int(np.floor(index))
    hi = int(np.ceil(index))
    qs = v[lo - 1]
    h = index - lo
    if index > lo and v[hi - 1] != qs:
        qs = (1 - h) * qs + h * v[hi - 1]
    return qs


def rhat_core(x):
    if should_return_na(x):
        return np.nan
    n = x.shape[0]
    chain_mean = x.mean(axis=0)
    chain_var = x.var(axis=0, ddof=1)
    var_between = n * np.var(chain_mean, ddof=1)
    var_within = np.mean(chain_var)
    with np.errstate(divide="ignore"):
        return np.sqrt((var_between / var_within + n - 1) / n)


BRANCHES = set()


def ess_core(x):
    x = x.astype(float)
    m = x.shape[1]
    n = x.shape[0]
    if n < 3 or should_return_na(x):
        return np.nan
    acov = np.stack([autocovariance(x[:, i]) for i in range(m)], axis=1)
    acov_means = acov.mean(axis=1)
    mean_var = acov_means[0] * n / (n - 1)
    var_plus = mean_var * (n - 1) / n
    if m > 1:
        var_plus += np.var(x.mean(axis=0), ddof=1)
    # rho[k] is the autocorrelation at lag k (R's rho_hat_t[k + 1])
    rho = np.zeros(n)
    t = 0
    even = 1.0
    rho[t] = even
    odd = 1 - (mean_var - acov_means[t + 1]) / var_plus
    rho[t + 1] = odd
    while t < n - 5 and not np.isnan(even + odd) and even + odd > 0:
        t += 2
        even = 1 - (mean_var - acov_means[t]) / var_plus
        odd = 1 - (mean_var - acov_means[t + 1]) / var_plus
        if even + odd >= 0:
            rho[t] = even
            rho[t + 1] = odd
        else:
            BRANCHES.add("negative pair")
    max_t = t
    if even > 0:
        if rho[max_t] != even:
            BRANCHES.add("improved last term")
        rho[max_t] = even
    t = 0
    while t <= max_t - 4:
        t += 2
        if rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]:
            BRANCHES.add("monotone")
            rho[t] = (rho[t - 2] + rho[t - 1]) / 2
            rho[t + 1] = rho[t]
    ess = m * n
    head = rho[0] if max_t == 0 else np.sum(rho[:max_t])  # R: sum(rho_hat_t[1:max_t])
    if max_t == 0:
        BRANCHES.add("max_t = 0")
    tau_hat = -1 + 2 * head + rho[max_t]
    tau_bound = 1 / np.log10(ess)
    if tau_hat < tau_bound:
        BRANCHES.add("tau capped")
        tau_hat = tau_bound
    return ess / tau_hat


def rhat(x):
    bulk = rhat_core(z_scale(split_chains(x)))
    tail = rhat_core(z_scale(split_chains(fold_draws(x))))
    return np.nan if np.isnan(bulk) or np.isnan(tail) else max(bulk, tail)


def ess_bulk(x):
    return ess_core(z_scale(split_chains(x)))


def ess_quantile(x, prob):
    if should_return_na(x):
        return np.nan
    if prob == 1:
        prob = (x.size - 0.5) / x.size
    return ess_core(split_chains((x <= r_quantile7(x, prob)).astype(float)))


def ess_tail(x):
    a, b = ess_quantile(x, 0.05), ess_quantile(x, 0.95)
    return np.nan if np.isnan(a) or np.isnan(b) else min(a, b)


def ess_basic(x):
    return ess_core(split_chains(x))


def mcse_mean(x):
    return np.std(x, ddof=1) / np.sqrt(ess_basic(x))


def mcse_quantile(x, prob):
    ess = ess_quantile(x, prob)
    if np.isnan(ess):
        return np.nan
    a = beta.ppf([0.1586553, 0.8413447], ess * prob + 1, ess * (1 - prob) + 1)
    v = np.sort(x.ravel())
    s = len(v)
    th1 = v[max(int(np.floor(a[0] * s)), 1) - 1]
    th2 = v[min(int(np.ceil(a[1] * s)), s) - 1]
    return (th2 - th1) / 2


# chains[c][t]: draw t of chain c, as the Java API takes them (transposed to posterior's layout below)
CASES = {
    "fourChainsShifted": [[-0.541, -0.205, -1.555, -0.705, -0.681, -0.989, -0.515, -1.87, -1.249, -1.334, -0.473, 0.07, -0.7, -1.167, -1.876, -1.756, -0.798, 0.207, 0.307, 0.212], [-0.364, -0.871, -0.331, -0.361, 0.468, 0.443, 1.361, 0.49, 0.899, 0.719, 1.789, -0.496, 0.402, -0.578, -1.042, -0.64, -1.592, -1.911, -1.551, -1.189], [-1.841, -1.221, -0.838, -1.033, -0.623, -0.784, 0.468, -0.366, -0.173, -0.495, 0.387, -0.545, 0.374, -0.732, -1.533, -1.358, -0.741, -1.662, -1.4, -0.843], [1.479, 1.835, 1.687, 2.063, 2.31, 0.818, 2.559, 1.816, 0.925, 1.355, 0.742, 1.267, 0.119, 0.972, -0.108, 0.556, 0.483, 0.209, 0.568, 0.2]],
    "threeChainsOddLength": [[0.145, 1.886, -0.386, 0.986, 1.328, -0.67, -0.02, 0.494, -0.721, 0.813, 1.081, 1.945, 0.955, 1.189, 2.085], [-0.416, -1.509, -0.179, -1.263, 0.668, 0.341, 0.876, 0.418, 1.307, -0.043, 0.035, 1.346, -0.797, -0.055, 0.914], [-2.466, -3.721, 1.7, 0.058, -0.734, -3.589, -3.614, 1.126, -0.114, -0.99, 1.591, -1.683, 3.343, 0.125, -1.186]],
    "twoChainsTies": [[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 3.0], [3.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 2.0, 2.0, 0.0, 0.0, 1.0, 2.0, 1.0, 1.0]],
    "oneChain": [[-0.189, 0.324, 0.11, -0.547, 0.253, 0.434, -0.312, -0.648, 0.033, -0.783, -0.045, -0.023, -0.109, 0.432, 0.091, 0.106, 1.066, 0.346, 1.37, 0.084]],
    "twoChainsShort": [[0.711, -0.507, -0.413, 0.691, 1.077, 0.695, -0.391], [0.276, 1.211, 0.624, -0.655, -0.254, -1.572, 0.302]],
    "twoChainsAntithetic": [[-0.3, -0.751, 0.248, 0.313, -0.351, 0.332, 0.586, 0.042, -1.171, 1.082, -1.426, -0.591, 1.242, -1.93, 1.126, 0.104, 0.429, -0.345, -0.393, 0.486], [0.634, -0.167, 0.637, -1.52, 0.451, -0.201, 0.404, -0.729, 0.009, -0.026, 0.107, 1.328, -1.204, 1.226, -2.082, 1.385, -1.199, -0.081, -0.637, -0.015]],
    "twoChainsAlternating": [[1.0, -1.1, 1.2, -0.9, 1.05, -1.0, 0.95, -1.15, 1.1, -0.95, 1.0, -1.05], [-1.0, 1.1, -0.9, 1.2, -1.05, 0.9, -1.1, 1.0, -1.2, 0.95, -1.0, 1.15]],
    "twoChainsMonotone": [[0.727, 0.792, -0.014, 0.465, 0.631, 0.253, 0.521, 0.635, 0.695, 0.606, 0.803, 0.294, 0.164, -0.114, 0.218, 0.207, 0.022, -0.394, -0.47, -0.395, -0.481, 0.273, 0.762, -0.78, -1.658, -1.502, -1.499, -1.161, -0.873, 0.374], [-1.144, 0.104, 0.429, 0.714, 0.336, -0.583, -0.407, -0.289, -0.892, -1.118, -0.988, -1.338, -1.189, -0.96, -0.797, -0.944, -0.49, 0.053, 0.214, -0.249, 0.174, -0.117, 0.364, -0.255, 0.265, 0.215, -0.475, -0.569, -0.456, -0.244]],
    "twoChainsStuck": [[0.0] * 10, [1.0] * 10],
    "threeChainsStuck": [[0.0] * 8, [1.0] * 8, [2.0] * 8],
    "infiniteDraw": [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, INF], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]],
    "twoChainsImprovedTerm": [[0.037, 1.17, 0.522, 1.446, 0.773, 1.565, -0.158, -0.448, -1.996, -1.903, -1.645, -0.056, -1.067, 1.322, 2.436, 0.197], [-0.156, -0.45, -0.478, 0.516, 0.871, 0.76, 0.315, -1.221, -0.482, 0.118, 0.754, 0.708, -1.414, -0.753, -0.582, -0.288]],
}

COLUMNS = ["rhat", "essBulk", "essTail", "essBasic", "mcseMean", "mcseQ5", "mcseQ95", "q5", "q50", "q95"]


def row(chains):
    x = np.array(chains, dtype=float).T
    with np.errstate(invalid="ignore"):  # an infinite draw makes sd and mcse NaN, as in R
        return [rhat(x), ess_bulk(x), ess_tail(x), ess_basic(x), mcse_mean(x), mcse_quantile(x, 0.05),
                mcse_quantile(x, 0.95), r_quantile7(x, 0.05), r_quantile7(x, 0.5), r_quantile7(x, 0.95)]


def java_literal(v):
    v = float(v)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "INF" if v > 0 else "-INF"
    return repr(v)


if __name__ == "__main__":
    print("// " + ", ".join(COLUMNS))
    for name, chains in CASES.items():
        BRANCHES.clear()
        values = ", ".join(java_literal(v) for v in row(chains))
        print(f'"{name}", {values}  // ess branches: {sorted(BRANCHES)}')
