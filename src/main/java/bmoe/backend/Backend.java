package bmoe.backend;

import bmoe.model.Dataset;
import bmoe.rng.RngKey;

/**
 * The per-observation work of a sweep, as three kernels over resident data. Every backend implements
 * the same kernels with the same names; the CPU one is the oracle for the others. Each is one pass over
 * the data: the default sweep (collapsed gates) makes three, {@link #gateGradient} twice then
 * {@link #allocate}; the Polya-Gamma sweep makes K, {@link #allocate} then {@link #gateStats} per gate.
 *
 * <p>Transfers: {@link #upload} moves x and y to the device once per run; each kernel call moves only
 * a {@link ParamsBlock} up and O(K d^2) sums down. Allocations stay on the device unless asked for.
 * Workspaces are per chain; one backend may serve several chains from several threads at once.
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
