package bmoe.backend.opencl;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bmoe.backend.BackendUnavailableException;
import java.util.List;

/**
 * Which OpenCL device the tests use: BMOE_TEST_DEVICE if set, else device 0. Without a device the OpenCL
 * tests are skipped on a developer's machine but fail in CI (CI=true), where PoCL must be installed.
 */
public final class OpenClTesting {
    private OpenClTesting() {}

    public static int deviceIndex() {
        String why;
        try {
            List<OpenClDevices.Device> devices = OpenClDevices.list();
            String wanted = System.getenv("BMOE_TEST_DEVICE");
            int index = wanted == null ? 0 : Integer.parseInt(wanted.strip());
            if (index < devices.size() && devices.get(index).fp64()) {
                return index;
            }
            why = devices.isEmpty() ? "no OpenCL device" : "OpenCL device " + index + " is missing or has no fp64";
        } catch (BackendUnavailableException e) {
            why = e.getMessage();
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("CI needs an OpenCL device (apt-get install pocl-opencl-icd ocl-icd-libopencl1): " + why);
        }
        assumeTrue(false, why);
        return -1;
    }

    public static OpenClBackend backend(int chunk) {
        return OpenClBackend.open(deviceIndex(), chunk);
    }
}
