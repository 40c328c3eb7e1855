package bmoe.backend.opencl;

import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_EXTENSIONS;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;

import bmoe.backend.BackendUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * The OpenCL devices of this machine, numbered across platforms in the order the ICD loader reports them:
 * the numbers {@code --device N} and {@code bmoe devices} use.
 */
public final class OpenClDevices {
    private OpenClDevices() {}

    /** One device as the user sees it, with what the backend needs to decide whether it can run there. */
    public record Device(int index, String platform, String name, String type, String version, String driver,
                         boolean fp64, long globalMemory, long maxAllocation, long localMemory, int computeUnits,
                         long maxWorkGroupSize, cl_platform_id platformId, cl_device_id deviceId) {

        public boolean isGpu() {
            return "GPU".equals(type);
        }

        /** One line for listings and for the fit's backend description. */
        public String describe() {
            return String.format(Locale.ROOT, "%s (%s, %s; %d compute units, %.1f GiB, largest buffer %.1f GiB%s)",
                    name, type, platform, computeUnits, globalMemory / GIB, maxAllocation / GIB,
                    fp64 ? "" : ", no fp64");
        }
    }

    private static final double GIB = 1024.0 * 1024.0 * 1024.0;
    /** clGetPlatformIDs' answer when the ICD loader finds no vendor: the same as having no platform. */
    private static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    /**
     * Every OpenCL device. An empty list when a loader is installed but no platform is.
     *
     * @throws BackendUnavailableException when there is no OpenCL library at all
     */
    public static List<Device> list() {
        loadLibrary();
        List<Device> devices = new ArrayList<>();
        for (cl_platform_id platform : platforms()) {
            String platformName = string(platform);
            int[] count = new int[1];
            try {
                CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
            } catch (CLException e) {
                continue; // a platform without devices (CL_DEVICE_NOT_FOUND)
            }
            cl_device_id[] ids = new cl_device_id[count[0]];
            CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
            for (cl_device_id id : ids) {
                devices.add(describe(devices.size(), platformName, platform, id));
            }
        }
        return devices;
    }

    /**
     * Makes sure JOCL's native part and libOpenCL load. JOCL reports a missing library as a
     * java.lang.Error from a static initialiser, hence the Throwable.
     */
    static void loadLibrary() {
        if (!libraryInstalled()) {
            throw new BackendUnavailableException("no OpenCL library: libOpenCL.so.1 is not installed (on Debian: "
                    + "apt-get install ocl-icd-libopencl1, plus a driver such as NVIDIA's or pocl-opencl-icd)");
        }
        try {
            CL.setExceptionsEnabled(true);
        } catch (Throwable e) {
            throw new BackendUnavailableException("no OpenCL library (libOpenCL.so.1) could be loaded: "
                    + firstLine(e), e);
        }
    }

    /**
     * Whether libOpenCL can be found where the dynamic loader looks, checked before JOCL tries: a failed
     * native load makes JOCL print to the process's stderr, which would break the one-line notice. Only
     * on Linux; elsewhere (and when unsure) JOCL is left to try.
     */
    public static boolean libraryInstalled() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return true;
        }
        List<Path> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (String d : List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib", "/usr/local/cuda/lib64")) {
            dirs.add(Path.of(d));
        }
        try (DirectoryStream<Path> confs = Files.newDirectoryStream(Path.of("/etc/ld.so.conf.d"), "*.conf")) {
            for (Path conf : confs) {
                for (String line : Files.readAllLines(conf)) {
                    String l = line.strip();
                    if (l.startsWith("/")) {
                        dirs.add(Path.of(l));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: let JOCL try
        }
        return dirs.stream().anyMatch(d -> Files.exists(d.resolve("libOpenCL.so.1")) || Files.exists(d.resolve("libOpenCL.so")));
    }

    private static List<cl_platform_id> platforms() {
        int[] count = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                return List.of();
            }
            throw new BackendUnavailableException("OpenCL platforms could not be listed: " + e.getMessage(), e);
        }
        cl_platform_id[] ids = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(ids.length, ids, null);
        return List.of(ids);
    }

    private static Device describe(int index, String platformName, cl_platform_id platform, cl_device_id id) {
        long type = longInfo(id, CL_DEVICE_TYPE);
        String typeName = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        String extensions = string(id, CL_DEVICE_EXTENSIONS);
        return new Device(index, platformName, string(id, CL_DEVICE_NAME), typeName, string(id, CL_DEVICE_VERSION),
                string(id, CL_DRIVER_VERSION), extensions.contains("cl_khr_fp64"),
                longInfo(id, CL_DEVICE_GLOBAL_MEM_SIZE), longInfo(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                longInfo(id, CL_DEVICE_LOCAL_MEM_SIZE), (int) intInfo(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                sizeInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE), platform, id);
    }

    private static String string(cl_platform_id platform) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(platform, CL_PLATFORM_NAME, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetPlatformInfo(platform, CL_PLATFORM_NAME, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static String string(cl_device_id device, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(device, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetDeviceInfo(device, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static long longInfo(cl_device_id device, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long intInfo(cl_device_id device, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0] & 0xFFFFFFFFL;
    }

    private static long sizeInfo(cl_device_id device, int param) {
        ByteBuffer b = ByteBuffer.allocate(Sizeof.size_t).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(b), null);
        return Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xFFFFFFFFL;
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).strip();
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
