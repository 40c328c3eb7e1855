package bmoe.analysis;

/**
 * loo's relative efficiency r_eff of one observation's likelihood draws: r_eff = ESS(p(y_i | theta_s)) / S,
 * the ESS over the chains as loo's {@code relative_eff} computes it. PSIS uses it for the tail length
 * ({@link Psis#tailLength(int, double)}) and in the Monte Carlo error of elpd_loo.
 *
 * <p>Which ESS: loo 2.9 and later call {@code posterior::ess_basic} (2.10: {@code ess_mean}, the same function
 * body): Geyer's initial monotone sequence estimator on the chains split in halves, of the raw values, not
 * rank-normalised. That is {@link Convergence#essBasic} exactly. loo up to 2.8 had its own {@code ess_rfun}
 * with the same formulas on the chains unsplit; splitting also catches a likelihood that drifts within a chain.
 *
 * <p>The ESS does not change when every value is multiplied by one positive constant, so the values used are
 * p / max_s p = exp(ll_s - max_s ll_s): they cannot all underflow to 0, which exp(ll) (what loo is given) does
 * for an observation far out in the tail (ll &lt; -745), and posterior's "constant" test (spread below machine
 * epsilon, an absolute tolerance) then compares the spread with the largest value instead of with 1.
 */
public final class RelativeEfficiency {
    /** posterior's ESS needs at least 3 draws in each half chain. */
    public static final int MIN_DRAWS_PER_CHAIN = 6;

    private RelativeEfficiency() {}

    /**
     * r_eff of one observation, NaN where posterior's ESS is NA: likelihoods without spread, or chains shorter
     * than {@link #MIN_DRAWS_PER_CHAIN}. loo then uses r_eff = 1.
     *
     * @param logLik log p(y_i | theta_s), finite, chain by chain: draw t of chain c at c * (S / chains) + t
     * @param chains the number of chains, dividing S; not modified
     * @throws IllegalArgumentException when chains does not divide S, or a chain has fewer than 4 draws
     */
    public static double of(double[] logLik, int chains) {
        if (chains < 1 || logLik.length % chains != 0) {
            throw new IllegalArgumentException(logLik.length + " draws do not split into " + chains + " equal chains");
        }
        int perChain = logLik.length / chains;
        double max = Double.NEGATIVE_INFINITY;
        for (double ll : logLik) {
            max = Math.max(max, ll);
        }
        double[][] likelihood = new double[chains][perChain];
        for (int c = 0; c < chains; c++) {
            for (int t = 0; t < perChain; t++) {
                likelihood[c][t] = Math.exp(logLik[c * perChain + t] - max);
            }
        }
        return Convergence.essBasic(likelihood) / logLik.length;
    }
}
