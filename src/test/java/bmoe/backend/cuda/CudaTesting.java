package bmoe.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bmoe.backend.BackendUnavailableException;
import java.util.List;

/**
 * Which CUDA device the tests use: BMOE_TEST_CUDA_DEVICE if set, else device 0. Without one (no driver, no
 * device, or a jar built without nvcc) the CUDA tests are skipped with "skipped: no CUDA device (why)"; with
 * BMOE_REQUIRE_CUDA=1 (set on a GPU machine) they fail instead. CI has no GPU, so CI=true does not require it.
 */
public final class CudaTesting {
    private CudaTesting() {}

    /** The reason there is no usable CUDA device here, or null when there is one. */
    static String whyNone(int index) {
        String missing = CudaBackend.kernelsMissing();
        if (missing != null) {
            return missing;
        }
        try {
            List<CudaDevices.Device> devices = CudaDevices.list();
            return index < devices.size() ? null
                    : devices.isEmpty() ? "the driver lists none" : "CUDA device " + index + " is missing";
        } catch (BackendUnavailableException e) {
            return e.getMessage();
        }
    }

    public static int deviceIndex() {
        String wanted = System.getenv("BMOE_TEST_CUDA_DEVICE");
        int index = wanted == null ? 0 : Integer.parseInt(wanted.strip());
        String why = whyNone(index);
        if (why == null) {
            return index;
        }
        if ("1".equals(System.getenv("BMOE_REQUIRE_CUDA"))) {
            fail("BMOE_REQUIRE_CUDA=1 but there is no CUDA device: " + why);
        }
        assumeTrue(false, "skipped: no CUDA device (" + why + ")");
        return -1;
    }

    public static CudaBackend backend(int chunk) {
        return CudaBackend.open(deviceIndex(), chunk);
    }
}
