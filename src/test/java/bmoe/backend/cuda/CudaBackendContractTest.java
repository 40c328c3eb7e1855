package bmoe.backend.cuda;

import bmoe.backend.Backend;
import bmoe.backend.BackendContractTest;

/** The backend contract on the CUDA device the tests use; skipped with "skipped: no CUDA device" without one. */
class CudaBackendContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend(int blockSize) {
        return CudaTesting.backend(blockSize);
    }
}
