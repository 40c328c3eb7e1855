package bmoe.backend.cuda;

import bmoe.backend.BackendUnavailableException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The CUDA driver API (libcuda.so.1, installed with the NVIDIA driver) as far as the backend needs it, and
 * nothing of the CUDA runtime or toolkit: the GPU machines have the driver, not necessarily the toolkit.
 *
 * <p>The binding is JNA's direct mapping ({@link Api}: static native methods registered once) rather than
 * JavaCPP's cuda preset: the preset bundles the whole toolkit's natives (hundreds of MiB) for two dozen calls,
 * and links against the runtime, while JNA is one small jar whose stub dlopens the driver library only. Handles
 * (CUcontext, CUmodule, CUfunction, CUstream) are pointers and CUdeviceptr is a 64-bit integer; both travel as
 * {@code long}, which is exact on the 64-bit platforms CUDA supports. Out-parameters are one-element arrays.
 * The versioned names (cuMemAlloc_v2, ...) are what cuda.h's macros call under CUDA 12 and 13.
 *
 * <p>Nothing loads until {@link #load()}: {@code --backend cpu} and {@code opencl} never touch this class, and
 * {@code auto} calls it once, getting an exception with one line of reason when there is no driver.
 */
public final class CudaDriver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
    static final int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    /** A stream that does not synchronise with the legacy default stream, so chains' streams overlap. */
    static final int CU_STREAM_NON_BLOCKING = 0x1;
    /** The soname the driver installs (libcuda.so without .1 comes only with development packages). */
    static final String LIBRARY = "libcuda.so.1";

    private static volatile CudaDriver instance;
    private static volatile String unavailable;

    private final int driverVersion;

    private CudaDriver(int driverVersion) {
        this.driverVersion = driverVersion;
    }

    /**
     * The driver, initialised (cuInit) on first use.
     *
     * @throws BackendUnavailableException without libcuda.so.1, or when cuInit fails (no device, driver too old)
     */
    public static CudaDriver load() {
        CudaDriver d = instance;
        if (d != null) {
            return d;
        }
        synchronized (CudaDriver.class) {
            if (instance != null) {
                return instance;
            }
            if (unavailable != null) {
                throw new BackendUnavailableException(unavailable);
            }
            try {
                NativeLibrary.getInstance(LIBRARY);
            } catch (UnsatisfiedLinkError e) {
                unavailable = "no CUDA driver (" + LIBRARY + " not found)";
                throw new BackendUnavailableException(unavailable);
            }
            try {
                Api.ensureRegistered();
            } catch (UnsatisfiedLinkError e) {
                // a driver older than CUDA 11 lacks a _v2 entry point
                unavailable = "the CUDA driver lacks a needed entry point (" + firstLine(e.getMessage()) + ")";
                throw new BackendUnavailableException(unavailable);
            }
            int init = Api.cuInit(0);
            if (init != CUDA_SUCCESS) {
                unavailable = init == CUDA_ERROR_NO_DEVICE ? "no CUDA device (the driver loads, cuInit finds none)"
                        : "the CUDA driver does not initialise: " + errorText(init);
                throw new BackendUnavailableException(unavailable);
            }
            int[] version = new int[1];
            check(Api.cuDriverGetVersion(version), "cuDriverGetVersion");
            instance = new CudaDriver(version[0]);
            return instance;
        }
    }

    /** The driver's CUDA version as cuDriverGetVersion reports it, e.g. "13.0". */
    public String version() {
        return String.format(Locale.ROOT, "%d.%d", driverVersion / 1000, (driverVersion % 1000) / 10);
    }

    int deviceCount() {
        int[] n = new int[1];
        check(Api.cuDeviceGetCount(n), "cuDeviceGetCount");
        return n[0];
    }

    int device(int ordinal) {
        int[] d = new int[1];
        check(Api.cuDeviceGet(d, ordinal), "cuDeviceGet");
        return d[0];
    }

    String deviceName(int device) {
        byte[] name = new byte[256];
        check(Api.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new String(name, 0, end, StandardCharsets.UTF_8).strip();
    }

    int attribute(int device, int attribute) {
        int[] v = new int[1];
        check(Api.cuDeviceGetAttribute(v, attribute, device), "cuDeviceGetAttribute");
        return v[0];
    }

    long totalMemory(int device) {
        long[] bytes = new long[1];
        check(Api.cuDeviceTotalMem_v2(bytes, device), "cuDeviceTotalMem");
        return bytes[0];
    }

    /** The device's primary context (shared with any other user in the process), retained. */
    long retainPrimaryContext(int device) {
        long[] ctx = new long[1];
        check(Api.cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain");
        return ctx[0];
    }

    void releasePrimaryContext(int device) {
        check(Api.cuDevicePrimaryCtxRelease_v2(device), "cuDevicePrimaryCtxRelease");
    }

    /** Makes ctx current on the calling thread: every thread that calls the driver must, chains run on several. */
    void setCurrent(long ctx) {
        check(Api.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    void synchronize() {
        check(Api.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** Loads a fatbin, cubin or NUL-terminated PTX image. */
    long loadModule(byte[] image, String what) {
        long[] module = new long[1];
        int r = Api.cuModuleLoadData(module, image);
        if (r == CUDA_ERROR_NO_BINARY_FOR_GPU) {
            throw new BackendUnavailableException("the CUDA module " + what + " has no code this GPU can run ("
                    + errorText(r) + "); the build carries sm_90 code and compute_75 PTX");
        }
        check(r, "cuModuleLoadData(" + what + ")");
        return module[0];
    }

    void unloadModule(long module) {
        check(Api.cuModuleUnload(module), "cuModuleUnload");
    }

    long function(long module, String name) {
        long[] f = new long[1];
        check(Api.cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
        return f[0];
    }

    /** Device memory of at least one byte; out of memory is a BackendUnavailableException with the size. */
    long alloc(long bytes) {
        long[] ptr = new long[1];
        int r = Api.cuMemAlloc_v2(ptr, Math.max(1, bytes));
        if (r == CUDA_ERROR_OUT_OF_MEMORY) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "the CUDA device could not allocate %.2f GiB (out of memory)", bytes / (1024.0 * 1024 * 1024)));
        }
        check(r, "cuMemAlloc");
        return ptr[0];
    }

    void free(long ptr) {
        check(Api.cuMemFree_v2(ptr), "cuMemFree");
    }

    void copyToDevice(long dst, Pointer src, long bytes) {
        check(Api.cuMemcpyHtoD_v2(dst, src, bytes), "cuMemcpyHtoD");
    }

    void copyToDeviceAsync(long dst, Pointer src, long bytes, long stream) {
        check(Api.cuMemcpyHtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyHtoDAsync");
    }

    void copyOnDeviceAsync(long dst, long src, long bytes, long stream) {
        check(Api.cuMemcpyDtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoDAsync");
    }

    void copyToHostAsync(Pointer dst, long src, long bytes, long stream) {
        check(Api.cuMemcpyDtoHAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoHAsync");
    }

    long createStream() {
        long[] s = new long[1];
        check(Api.cuStreamCreate(s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        return s[0];
    }

    void destroyStream(long stream) {
        check(Api.cuStreamDestroy_v2(stream), "cuStreamDestroy");
    }

    void synchronize(long stream) {
        check(Api.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /**
     * Launches f on a 1-D grid of blocks x threads with dynamic shared memory, on stream. The kernel's
     * parameters are packed as cuLaunchKernel wants them: an array of pointers, each to one argument's value.
     */
    void launch(long f, int blocks, int threads, int sharedBytes, long stream, KernelArgs args, String name) {
        check(Api.cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, sharedBytes, stream, args.pointers(), Pointer.NULL),
                "cuLaunchKernel(" + name + ")");
    }

    /** Throws with the driver's name and text of a failed call's result. */
    static void check(int result, String call) {
        if (result != CUDA_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + errorText(result));
        }
    }

    /** "CUDA_ERROR_X (text)" for a result, from the driver itself when it can say. */
    static String errorText(int result) {
        String name = null;
        String text = null;
        try {
            long[] p = new long[1];
            if (Api.cuGetErrorName(result, p) == CUDA_SUCCESS && p[0] != 0) {
                name = new Pointer(p[0]).getString(0, "UTF-8");
            }
            if (Api.cuGetErrorString(result, p) == CUDA_SUCCESS && p[0] != 0) {
                text = new Pointer(p[0]).getString(0, "UTF-8");
            }
        } catch (UnsatisfiedLinkError e) {
            // not registered (the library did not load): only the number is known
        }
        return (name != null ? name : "CUresult " + result) + (text != null ? " (" + text + ")" : "");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "?";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * A kernel's argument values in native memory, 8 bytes a slot (every argument here is a 32-bit integer
     * or a 64-bit device pointer), and the array of pointers to them. One per kernel and workspace, refilled
     * before each launch: cuLaunchKernel copies the values, so the slots may change right after it returns.
     */
    static final class KernelArgs {
        private final Memory values;
        private final Memory pointers;

        KernelArgs(int count) {
            values = new Memory(8L * Math.max(1, count));
            pointers = new Memory(8L * Math.max(1, count));
            values.clear();
            for (int i = 0; i < count; i++) {
                pointers.setPointer(8L * i, values.share(8L * i));
            }
        }

        /** A 32-bit argument (int or unsigned int in the kernel). */
        KernelArgs setInt(int index, int value) {
            values.setInt(8L * index, value);
            return this;
        }

        /** A pointer argument: a device address (0 for the unused scratch placeholder). */
        KernelArgs setPointer(int index, long devicePointer) {
            values.setLong(8L * index, devicePointer);
            return this;
        }

        Pointer pointers() {
            return pointers;
        }

        int intAt(int index) {
            return values.getInt(8L * index);
        }

        long longAt(int index) {
            return values.getLong(8L * index);
        }
    }

    /**
     * The direct mapping: one static native method per driver call, C names as exported by libcuda.so.1.
     * Registered by {@link #ensureRegistered()} (not in a static initialiser, so that reflection on this class,
     * as CudaDriverBindingTest does, loads nothing).
     */
    static final class Api {
        private static boolean registered;

        private Api() {}

        static synchronized void ensureRegistered() {
            if (!registered) {
                Native.register(Api.class, NativeLibrary.getInstance(LIBRARY));
                registered = true;
            }
        }

        static native int cuInit(int flags);

        static native int cuDriverGetVersion(int[] driverVersion);

        static native int cuDeviceGetCount(int[] count);

        static native int cuDeviceGet(int[] device, int ordinal);

        static native int cuDeviceGetName(byte[] name, int len, int device);

        static native int cuDeviceGetAttribute(int[] value, int attribute, int device);

        static native int cuDeviceTotalMem_v2(long[] bytes, int device);

        static native int cuDevicePrimaryCtxRetain(long[] ctx, int device);

        static native int cuDevicePrimaryCtxRelease_v2(int device);

        static native int cuCtxSetCurrent(long ctx);

        static native int cuCtxSynchronize();

        static native int cuModuleLoadData(long[] module, byte[] image);

        static native int cuModuleUnload(long module);

        static native int cuModuleGetFunction(long[] function, long module, String name);

        static native int cuMemAlloc_v2(long[] devicePointer, long bytes);

        static native int cuMemFree_v2(long devicePointer);

        static native int cuMemcpyHtoD_v2(long dst, Pointer src, long bytes);

        static native int cuMemcpyHtoDAsync_v2(long dst, Pointer src, long bytes, long stream);

        static native int cuMemcpyDtoHAsync_v2(Pointer dst, long src, long bytes, long stream);

        static native int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, long stream);

        static native int cuStreamCreate(long[] stream, int flags);

        static native int cuStreamDestroy_v2(long stream);

        static native int cuStreamSynchronize(long stream);

        static native int cuLaunchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                                         int blockZ, int sharedMemBytes, long stream, Pointer kernelParams,
                                         Pointer extra);

        static native int cuGetErrorName(int result, long[] name);

        static native int cuGetErrorString(int result, long[] text);
    }
}
