package bmoe.backend.cuda;

import bmoe.rng.PolyaGamma;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CUDA build of kernels/*.cl: which (d, K) variants scripts/build-ptx compiles, with which constants, and
 * where they lie in the jar. nvcc cannot run at run time (it is the toolkit, which the GPU machines may lack),
 * and the kernels' private arrays are sized by d and K, so every shape of the grid is one module compiled at
 * build time, and a shape outside it is refused with a clear message (see kernels/README.md).
 *
 * <p>{@link #main} prints what the build script passes to nvcc, so the Polya-Gamma constants reach the PTX
 * with the same bits as the OpenCL build options and the Java sampler.
 */
public final class CudaKernels {
    /** d = p + 1 from 1 (intercept only) to 9 (p = 8). */
    public static final int MIN_DIM = 1;
    public static final int MAX_DIM = 9;
    /** K from 1 to 8 experts. */
    public static final int MIN_EXPERTS = 1;
    public static final int MAX_EXPERTS = 8;
    /** Threads per block, as OpenClBackend.DEFAULT_LOCAL_SIZE: the fixed reduction tree depends on it. */
    public static final int LOCAL = 64;
    /**
     * Components per pass of group_sum: 32 x 64 doubles = 16 KiB of shared memory, as OpenCL's scratch budget.
     * The sums do not depend on it (each component goes through the same tree whatever the batching).
     */
    public static final int BATCH = 32;
    /** The compute capability whose cubin the jar carries beside the PTX (H100 and H200). */
    public static final int CUBIN_MAJOR = 9;
    public static final int CUBIN_MINOR = 0;
    /** Kernel sources in the order OpenClProgram concatenates them, after the mapping header cuda.cuh. */
    public static final List<String> SOURCES = List.of("common.clh", "philox.clh", "draws.clh", "polya_gamma.clh",
            "allocate.cl", "gate_gradient.cl", "gate_stats.cl", "reduce_partials.cl");
    /** The kernels every module exports (extern "C", so the names are unmangled). */
    public static final List<String> KERNELS = List.of("allocate", "gateGradient", "gateStats", "reducePartials");

    private CudaKernels() {}

    /** Whether (d, K) is in the grid the build compiles. */
    public static boolean inGrid(int dim, int experts) {
        return dim >= MIN_DIM && dim <= MAX_DIM && experts >= MIN_EXPERTS && experts <= MAX_EXPERTS;
    }

    /**
     * Classpath resource of a variant: a fatbin with compute_75 PTX (JIT-compiled by the driver on any later
     * GPU) and sm_90 code (loaded as it is on H100 and H200), as cuModuleLoadData takes it.
     */
    public static String moduleResource(int dim, int experts) {
        return String.format(Locale.ROOT, "cuda/d%d_k%d.fatbin", dim, experts);
    }

    /** The -D options of every variant, shape excluded: LOCAL, BATCH and the Polya-Gamma constants in hex. */
    public static String commonDefines() {
        StringBuilder o = new StringBuilder();
        o.append("-DLOCAL=").append(LOCAL).append(" -DBATCH=").append(BATCH);
        for (Map.Entry<String, Double> c : PolyaGamma.deviceConstants().entrySet()) {
            o.append(" -D").append(c.getKey()).append('=').append(Double.toHexString(c.getValue()));
        }
        return o.toString();
    }

    /**
     * For scripts/build-ptx, one line each: the common -D options, "dims MIN MAX", "experts MIN MAX", and the
     * sources in order.
     */
    public static void main(String[] args) {
        System.out.println(commonDefines());
        System.out.println("dims " + MIN_DIM + " " + MAX_DIM);
        System.out.println("experts " + MIN_EXPERTS + " " + MAX_EXPERTS);
        System.out.println(String.join(" ", SOURCES));
    }
}
