package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.backend.opencl.OpenClTesting;

/** {@link DeviceGewekeTest} on the OpenCL backend (PoCL in CI). */
class OpenClGewekeTest extends DeviceGewekeTest {
    @Override
    String name() {
        return "OpenCL";
    }

    @Override
    int deviceIndex() {
        return OpenClTesting.deviceIndex();
    }

    @Override
    Backend device(int blockSize) {
        return OpenClTesting.backend(blockSize);
    }
}
