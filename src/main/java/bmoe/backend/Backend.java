package bmoe.backend;

import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-observation work of a sweep, as three kernels over resident data. Every backend implements
 * the same kernels with the same names; the CPU one is the oracle for the others. Each is one pass over
 * the data: the default sweep (collapsed gates) makes three, {@link #gateGradient} twice then
 * {@link #allocate}; the Polya-Gamma sweep makes K, {@link #allocate} then {@link #gateStats} per gate.
 *
 * <p>Transfers: {@link #upload} moves x and y to the device once per run; each kernel call moves only
 * a {@link ParamsBlock} up and O(K d^2) sums down. Allocations stay on the device unless asked for.
 * Workspaces are per chain; one backend may serve several chains from several threads at once.
 *
 * <p>Several chains over the same resident data: {@link #allocateAll}, {@link #gateGradientAll} and
 * {@link #gateStatsAll} advance one call of every chain in one pass over the data (one launch on a device), each
 * chain with its own parameters, random-number key and workspace, and each result bit-identical to the chain's
 * own call. {@link ChainBatch} collects the calls of chains that run in their own threads into such passes.
 */
public interface Backend extends AutoCloseable {

    /** Short name, as given to --backend: "cpu", "opencl". */
    String name();

    /** What runs the kernels: threads and block size, or platform and device. */
    String describe();

    /** Rows per block (CPU) or work group (OpenCL): with {@link #name()}, what the draws depend on. */
    int blockSize();

    /** Copies the data to where the kernels run; once per run. */
    Resident upload(Dataset data);

    /**
     * {@link #upload}, for workspaces that passes over the data advance together ({@link #allocateAll} and its kin),
     * about {@code chains} of each K: a device keeps the z of the workspaces of one K in one buffer that one launch
     * reads, first sized for {@code chains} and grown as more come. The CPU needs nothing of the kind: the default.
     */
    default Resident upload(Dataset data, int chains) {
        return upload(data);
    }

    /**
     * At most how many chains' calls of one kernel {@link ChainBatch} gives this backend to advance in one pass
     * over the data; 1 when the chains' kernels run each on their own (no batch). Speed only: the draws never
     * depend on it.
     */
    default int chainsPerPass() {
        return 1;
    }

    /** Per-chain buffers (allocations z and partial sums) for K experts. */
    Workspace workspace(Resident data, int experts);

    /**
     * Kernel (a): gate probabilities, expert log-likelihoods and the allocation draw z_i for every
     * observation, with the uniform from stream (i, sweep, ALLOCATE), and in the same pass the experts'
     * sufficient statistics (n_k, S_k, r_k, q_k) of the new allocations. Overwrites the workspace's z.
     *
     * @return sum_i log p(y_i | x_i, params), the data log-likelihood (label invariant), and the statistics
     */
    Allocation allocate(Workspace ws, ParamsBlock params, RngKey key, int sweep);

    /**
     * Kernel (b), the collapsed gate move's per-observation work (allocations summed out): the data
     * log-likelihood at the gates of params, its gradient in the gates and, when {@code metric}, the
     * multinomial-logit Fisher metric, and with {@code referenceGates} the sum of per-observation
     * log-likelihood differences against those gates (the experts taken from params for both). Reads no z
     * and draws nothing.
     *
     * @param referenceGates (K-1) d gate coefficients laid out as {@link ParamsBlock#w()}, or null
     */
    GateGradient gateGradient(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric);

    /**
     * Kernel (c) for gate k: C_ik, psi_ik, omega_ik ~ PG(1, psi_ik) from stream (i, sweep, PG | k), and the
     * weighted sums. Reads z and the current gates in params; writes nothing per observation.
     */
    GateStats gateStats(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep);

    /** One chain's call of kernel (a), as {@link #allocate} takes it. */
    record AllocateCall(Workspace ws, ParamsBlock params, RngKey key, int sweep) {}

    /** One chain's call of kernel (b), as {@link #gateGradient} takes it. */
    record GradientCall(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric) {}

    /** One chain's call of kernel (c), as {@link #gateStats} takes it. */
    record GateStatsCall(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep) {}

    /**
     * A call's result in a batch: its value, or the exception its own call would have thrown (so one chain's
     * failure, a non-finite Polya-Gamma argument say, is that chain's alone).
     */
    record Outcome<T>(T value, RuntimeException failure) {
        public static <T> Outcome<T> of(T value) {
            return new Outcome<>(value, null);
        }

        public static <T> Outcome<T> failed(RuntimeException failure) {
            return new Outcome<>(null, failure);
        }

        /** The value, or the failure thrown. */
        public T get() {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }

    /**
     * Kernel (a) for several chains over the same resident data, in one pass where the backend can (a device: one
     * launch per shape K and buffer of allocations); the outcomes in the calls' order, each bit-identical to
     * {@link #allocate} of that call alone. The workspaces must be distinct. Default: one call after another.
     */
    default List<Outcome<Allocation>> allocateAll(List<AllocateCall> calls) {
        List<Outcome<Allocation>> out = new ArrayList<>();
        for (AllocateCall c : calls) {
            try {
                out.add(Outcome.of(allocate(c.ws(), c.params(), c.key(), c.sweep())));
            } catch (RuntimeException e) {
                out.add(Outcome.failed(e));
            }
        }
        return out;
    }

    /** Kernel (b) for several chains, as {@link #allocateAll}. */
    default List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls) {
        List<Outcome<GateGradient>> out = new ArrayList<>();
        for (GradientCall c : calls) {
            try {
                out.add(Outcome.of(gateGradient(c.ws(), c.params(), c.referenceGates(), c.metric())));
            } catch (RuntimeException e) {
                out.add(Outcome.failed(e));
            }
        }
        return out;
    }

    /** Kernel (c) for several chains (each its own gate), as {@link #allocateAll}. */
    default List<Outcome<GateStats>> gateStatsAll(List<GateStatsCall> calls) {
        List<Outcome<GateStats>> out = new ArrayList<>();
        for (GateStatsCall c : calls) {
            try {
                out.add(Outcome.of(gateStats(c.ws(), c.params(), c.gate(), c.key(), c.sweep())));
            } catch (RuntimeException e) {
                out.add(Outcome.failed(e));
            }
        }
        return out;
    }

    /** Copies the allocations to the host (only when a user asks for them; never inside a sweep). */
    byte[] allocations(Workspace ws);

    @Override
    void close();

    /** Data where the kernels can read it. Closing frees its device memory; the backend's close frees all. */
    interface Resident extends AutoCloseable {
        int n();

        int p();

        @Override
        default void close() {}
    }

    /** A chain's per-observation buffers. Closing frees them; the backend's close frees all. */
    interface Workspace extends AutoCloseable {
        Resident data();

        int experts();

        @Override
        default void close() {}
    }
}
