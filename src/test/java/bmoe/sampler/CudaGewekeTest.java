package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.backend.cuda.CudaTesting;

/**
 * {@link DeviceGewekeTest} on the CUDA backend: the same cases, iterations and thresholds as on OpenCL. Skipped with
 * "skipped: no CUDA device" without one; with BMOE_REQUIRE_CUDA=1 it fails instead.
 */
class CudaGewekeTest extends DeviceGewekeTest {
    @Override
    String name() {
        return "CUDA";
    }

    @Override
    int deviceIndex() {
        return CudaTesting.deviceIndex();
    }

    @Override
    Backend device(int blockSize) {
        return CudaTesting.backend(blockSize);
    }
}
