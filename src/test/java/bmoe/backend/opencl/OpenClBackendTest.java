package bmoe.backend.opencl;

import bmoe.backend.Backend;
import bmoe.backend.BackendContractTest;

/** The backend contract on the OpenCL device the tests use (PoCL's CPU device in CI). */
class OpenClBackendTest extends BackendContractTest {
    @Override
    protected Backend createBackend(int blockSize) {
        return OpenClTesting.backend(blockSize);
    }
}
