package bmoe.bench;

import bmoe.backend.Backend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GibbsSweep;
import bmoe.sampler.Initializer;
import bmoe.sampler.SweepState;
import bmoe.sim.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic benchmark data: a random K-expert model with p covariates, drawn from a fixed
 * {@link SplittableRandom} seed, and (x, y) simulated from it by bmoe's own {@link Simulator} (Philox
 * streams, x ~ U[-1, 1]^p), then standardised as a fit would see it.
 */
final class Fixture {
    /** Covariates (the design row has d = P + 1 entries with the intercept). */
    static final int P = 7;
    /** Seed of the true model and of the simulation. */
    static final long SEED = 20240607L;
    /** Experts of the true model the data are simulated from (the fitted K is a benchmark parameter). */
    static final int TRUE_EXPERTS = 4;
    /** Sweeps run in setup so the gates are no longer flat when the measurement starts. */
    static final int WARM_SWEEPS = 5;
    /**
     * The warm-up sweeps are Polya-Gamma sweeps: the sweep every backend has had from the start (so a backend
     * without kernel (b) still warms up and runs its other benchmarks), and the warm-up of the figures in
     * bench/RESULTS.md from before the collapsed sweep. Both sweeps and all kernels start from these parameters.
     */
    static final GateMethod WARM_METHOD = GateMethod.PG;
    /** Rows of the data that {@link #warmState} sweeps over, whatever the benchmark's n. */
    static final int WARM_ROWS = 100_000;

    private Fixture() {}

    /** A random true model: gates U[-1.5, 1.5] per coefficient, experts U[-3, 3], variances U[0.05, 0.5]. */
    static Params truth(int experts, int p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int d = p + 1;
        double[][] w = new double[experts - 1][d];
        double[][] beta = new double[experts][d];
        double[] s2 = new double[experts];
        for (int k = 0; k < experts; k++) {
            if (k < experts - 1) {
                for (int j = 0; j < d; j++) {
                    w[k][j] = r.nextDouble(-1.5, 1.5);
                }
            }
            for (int j = 0; j < d; j++) {
                beta[k][j] = r.nextDouble(-3.0, 3.0);
            }
            s2[k] = r.nextDouble(0.05, 0.5);
        }
        return new Params(w, beta, s2);
    }

    /**
     * The chain's state after {@link #WARM_SWEEPS} sweeps from {@link Initializer#initialState} over the first
     * {@link #WARM_ROWS} rows ({@link #WARM_METHOD} sweeps), run on {@code backend} (which also compiles its
     * kernels and warms the JIT).
     * The parameters do not depend on the benchmark's n, so every n starts from the same gates, and the
     * setup at n = 1e7 costs five sweeps of 1e5 rows instead of five of 1e7. The backend keeps no data.
     */
    static SweepState warmState(Backend backend, int experts, RngKey key, Priors priors) {
        Dataset warm = data(WARM_ROWS);
        try (Backend.Resident resident = backend.upload(warm);
             Backend.Workspace ws = backend.workspace(resident, experts)) {
            SweepState state = Initializer.initialState(warm, experts, priors, key);
            for (int s = 0; s < WARM_SWEEPS; s++) {
                state = GibbsSweep.step(WARM_METHOD, backend, ws, state, key, priors).state();
            }
            return state;
        }
    }

    /**
     * Gates a small step away from {@code w} (flat, as {@link bmoe.backend.ParamsBlock#w()}): where the gate
     * move's second kernel (b) pass evaluates, with {@code w} as its reference gates. A fixed nudge rather than
     * a MALA proposal, because drawing one needs kernel (b) in the setup of benchmarks that do not measure it,
     * and a pass costs the same wherever the gates are.
     */
    static double[] nearbyGates(double[] w) {
        double[] proposal = w.clone();
        for (int a = 0; a < proposal.length; a++) {
            proposal[a] += 0.01 * ((a % 3) - 1);
        }
        return proposal;
    }

    static Dataset data(int n) {
        Simulator.Sample s = Simulator.simulate(truth(TRUE_EXPERTS, P, SEED), -1.0, 1.0, n, SEED);
        List<String> names = new ArrayList<>();
        for (int j = 1; j <= P; j++) {
            names.add("x" + j);
        }
        return Dataset.fromColumns(s.xColumns(), s.y(), names, "y", true);
    }
}
