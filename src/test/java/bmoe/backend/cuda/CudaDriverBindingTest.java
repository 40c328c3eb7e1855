package bmoe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bmoe.backend.BackendUnavailableException;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The JNA direct mapping of CudaDriver.Api against the C prototypes, without loading libcuda: the class is
 * inspected by reflection (registration happens only in CudaDriver.load). Each native method must be one of
 * the prototypes below with the Java types that carry its C types on 64-bit Linux; where the toolkit's cuda.h
 * is installed (beside nvcc), the prototypes are checked against it too, versioned names included.
 */
class CudaDriverBindingTest {
    /** C prototypes, parameter types only, as in cuda.h (CUDA 12 and 13). */
    private static final Map<String, List<String>> PROTOTYPES = new TreeMap<>(Map.ofEntries(
            Map.entry("cuInit", List.of("unsigned int")),
            Map.entry("cuDriverGetVersion", List.of("int *")),
            Map.entry("cuDeviceGetCount", List.of("int *")),
            Map.entry("cuDeviceGet", List.of("CUdevice *", "int")),
            Map.entry("cuDeviceGetName", List.of("char *", "int", "CUdevice")),
            Map.entry("cuDeviceGetAttribute", List.of("int *", "CUdevice_attribute", "CUdevice")),
            Map.entry("cuDeviceTotalMem_v2", List.of("size_t *", "CUdevice")),
            Map.entry("cuDevicePrimaryCtxRetain", List.of("CUcontext *", "CUdevice")),
            Map.entry("cuDevicePrimaryCtxRelease_v2", List.of("CUdevice")),
            Map.entry("cuCtxSetCurrent", List.of("CUcontext")),
            Map.entry("cuCtxSynchronize", List.of()),
            Map.entry("cuModuleLoadData", List.of("CUmodule *", "const void *")),
            Map.entry("cuModuleUnload", List.of("CUmodule")),
            Map.entry("cuModuleGetFunction", List.of("CUfunction *", "CUmodule", "const char *")),
            Map.entry("cuMemAlloc_v2", List.of("CUdeviceptr *", "size_t")),
            Map.entry("cuMemFree_v2", List.of("CUdeviceptr")),
            Map.entry("cuMemcpyHtoD_v2", List.of("CUdeviceptr", "const void *", "size_t")),
            Map.entry("cuMemcpyHtoDAsync_v2", List.of("CUdeviceptr", "const void *", "size_t", "CUstream")),
            Map.entry("cuMemcpyDtoHAsync_v2", List.of("void *", "CUdeviceptr", "size_t", "CUstream")),
            Map.entry("cuMemcpyDtoDAsync_v2", List.of("CUdeviceptr", "CUdeviceptr", "size_t", "CUstream")),
            Map.entry("cuStreamCreate", List.of("CUstream *", "unsigned int")),
            Map.entry("cuStreamDestroy_v2", List.of("CUstream")),
            Map.entry("cuStreamSynchronize", List.of("CUstream")),
            Map.entry("cuLaunchKernel", List.of("CUfunction", "unsigned int", "unsigned int", "unsigned int",
                    "unsigned int", "unsigned int", "unsigned int", "unsigned int", "CUstream", "void **", "void **")),
            Map.entry("cuGetErrorName", List.of("CUresult", "const char **")),
            Map.entry("cuGetErrorString", List.of("CUresult", "const char **"))));

    /** The Java type that carries each C type in the direct mapping (64-bit: pointers and size_t are 8 bytes). */
    private static final Map<String, Class<?>> JAVA = Map.ofEntries(
            Map.entry("unsigned int", int.class), Map.entry("int", int.class), Map.entry("CUdevice", int.class),
            Map.entry("CUdevice_attribute", int.class), Map.entry("CUresult", int.class),
            Map.entry("size_t", long.class), Map.entry("CUdeviceptr", long.class),
            Map.entry("CUcontext", long.class), Map.entry("CUmodule", long.class), Map.entry("CUfunction", long.class),
            Map.entry("CUstream", long.class),
            Map.entry("int *", int[].class), Map.entry("CUdevice *", int[].class), Map.entry("char *", byte[].class),
            Map.entry("size_t *", long[].class), Map.entry("CUdeviceptr *", long[].class),
            Map.entry("CUcontext *", long[].class), Map.entry("CUmodule *", long[].class),
            Map.entry("CUfunction *", long[].class), Map.entry("CUstream *", long[].class),
            Map.entry("const char **", long[].class), Map.entry("const char *", String.class),
            Map.entry("const void *", Object.class), Map.entry("void *", Pointer.class),
            Map.entry("void **", Pointer.class));

    private static Map<String, Method> natives() throws ClassNotFoundException {
        // initialize = false: nothing registers, nothing loads
        Class<?> api = Class.forName("bmoe.backend.cuda.CudaDriver$Api", false, CudaDriverBindingTest.class.getClassLoader());
        Map<String, Method> m = new HashMap<>();
        for (Method method : api.getDeclaredMethods()) {
            if (Modifier.isNative(method.getModifiers())) {
                assertTrue(Modifier.isStatic(method.getModifiers()), method + " must be static (direct mapping)");
                m.put(method.getName(), method);
            }
        }
        return m;
    }

    @Test
    void everyNativeMethodHasTheJavaTypesOfItsCPrototype() throws Exception {
        Map<String, Method> natives = natives();
        assertEquals(PROTOTYPES.keySet(), new TreeMap<>(natives).keySet(), "mapped driver calls");
        for (Map.Entry<String, List<String>> p : PROTOTYPES.entrySet()) {
            Method m = natives.get(p.getKey());
            assertEquals(int.class, m.getReturnType(), p.getKey() + " returns CUresult");
            Class<?>[] params = m.getParameterTypes();
            assertEquals(p.getValue().size(), params.length, p.getKey() + ": parameter count");
            for (int i = 0; i < params.length; i++) {
                Class<?> expected = JAVA.get(p.getValue().get(i));
                assertNotNull(expected, "no Java type for " + p.getValue().get(i));
                if (expected == Object.class) {
                    // const void *: an image (byte[]) or host memory (Pointer)
                    assertTrue(params[i] == byte[].class || params[i] == Pointer.class, p.getKey() + " parameter " + i);
                } else {
                    assertEquals(expected, params[i], p.getKey() + " parameter " + i + " (" + p.getValue().get(i) + ")");
                }
            }
        }
    }

    /** cuda.h beside nvcc, if the toolkit is installed: every mapped name and its parameter types, as written there. */
    @Test
    void thePrototypesAreCudaHs() throws IOException {
        Path header = cudaHeader();
        assumeTrue(header != null, "skipped: no cuda.h (the CUDA toolkit is not installed)");
        String h = Files.readString(header);
        for (Map.Entry<String, List<String>> p : PROTOTYPES.entrySet()) {
            String name = p.getKey();
            // a versioned symbol is what cuda.h's macro maps the plain name to (#define cuMemAlloc cuMemAlloc_v2)
            String plain = name.replaceAll("_v[0-9]+$", "");
            if (!plain.equals(name)) {
                Pattern define = Pattern.compile("#define\\s+" + plain + "\\s+(?:__CUDA_API_PT[A-Z]+\\()?(\\w+)");
                Matcher dm = define.matcher(h);
                assertTrue(dm.find(), "cuda.h has no macro for " + plain);
                assertEquals(name, dm.group(1), "the symbol cuda.h calls for " + plain);
            }
            Matcher m = Pattern.compile("CUresult CUDAAPI " + plain + "\\(([^)]*)\\)").matcher(h);
            assertTrue(m.find(), "cuda.h has no prototype of " + plain);
            List<String> types = m.group(1).isBlank() || m.group(1).strip().equals("void") ? List.of()
                    : Arrays.stream(m.group(1).split(",")).map(CudaDriverBindingTest::typeOf).collect(Collectors.toList());
            assertEquals(p.getValue(), types, "parameter types of " + plain);
        }
    }

    /** "const char **pStr" -> "const char **", "CUdevice dev" -> "CUdevice". */
    private static String typeOf(String parameter) {
        String s = parameter.strip().replaceAll("\\s+", " ");
        String type = s.replaceAll("\\s*\\w+$", "");
        int stars = 0;
        while (type.endsWith("*")) {
            type = type.substring(0, type.length() - 1).strip();
            stars++;
        }
        return stars == 0 ? type : type + " " + "*".repeat(stars);
    }

    /** cuda.h of the toolkit: under CUDA_HOME, /usr/local/cuda, or beside nvcc's real path; null if none. */
    private static Path cudaHeader() {
        List<Path> candidates = new java.util.ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "include", "cuda.h"));
        }
        candidates.add(Path.of("/usr/local/cuda/include/cuda.h"));
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
            Path nvcc = Path.of(dir, "nvcc");
            if (Files.isExecutable(nvcc)) {
                try {
                    candidates.add(nvcc.toRealPath().getParent().resolveSibling("include").resolve("cuda.h"));
                } catch (IOException e) {
                    // a dangling link: no header there
                }
            }
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }

    /** Without libcuda.so.1 (as on CI and this project's build machines), one line and no stack trace. */
    @Test
    void withoutADriverLoadSaysSoInOneLine() {
        BackendUnavailableException e;
        try {
            CudaDriver.load();
            assumeTrue(false, "skipped: this machine has a CUDA driver");
            return;
        } catch (BackendUnavailableException thrown) {
            e = thrown;
        }
        assumeTrue(e.getMessage().startsWith("no CUDA driver"), "skipped: the driver loads here (" + e.getMessage() + ")");
        assertEquals("no CUDA driver (libcuda.so.1 not found)", e.getMessage());
        // the answer is remembered: a second call does not retry the load
        assertEquals(e.getMessage(), assertThrows(BackendUnavailableException.class, CudaDriver::load).getMessage());
    }

    /** The argument block of cuLaunchKernel: pointers to 8-byte slots, 32-bit values in the low half. */
    @Test
    void kernelArgumentsArePointersToTheirValues() {
        CudaDriver.KernelArgs args = new CudaDriver.KernelArgs(3).setInt(0, -7).setPointer(1, 0x7f0012345678L).setInt(2, 5);
        Pointer slots = args.pointers();
        assertEquals(-7, slots.getPointer(0).getInt(0));
        assertEquals(0x7f0012345678L, slots.getPointer(8).getLong(0));
        assertEquals(5, slots.getPointer(16).getInt(0));
        assertEquals(8, Pointer.nativeValue(slots.getPointer(8)) - Pointer.nativeValue(slots.getPointer(0)));
    }
}
