package bmoe.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.sampler.PriorSampler;
import org.junit.jupiter.api.Test;

class CpuBackendTest extends BackendContractTest {
    @Override
    protected Backend createBackend(int blockSize) {
        return new CpuBackend(2, blockSize);
    }

    @Test
    void oneAndTwoThreadsAreBitIdentical() {
        RngStream rng = new RngKey(21, 0).stream(0, 0, 0);
        int n = 5 * BLOCK + 3;
        int p = 4;
        float[] x = new float[n * p];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.uniform();
        }
        for (int i = 0; i < n; i++) {
            y[i] = (float) rng.uniform();
        }
        Dataset data = Dataset.standardizedView(x, y, p);
        Params theta = PriorSampler.draw(new Priors(1, 1, 3, 2), 3, p + 1, rng);
        double[][] out = new double[2][];
        byte[][] z = new byte[2][];
        for (int t = 1; t <= 2; t++) {
            try (CpuBackend backend = new CpuBackend(t, BLOCK)) {
                Backend.Workspace ws = backend.workspace(backend.upload(data), 3);
                RngKey key = new RngKey(22, 0);
                Allocation a = backend.allocate(ws, ParamsBlock.of(theta), key, 1);
                double ll = a.logLikelihood();
                ExpertStats es = a.stats();
                GateStats g0 = backend.gateStats(ws, ParamsBlock.of(theta), 0, key, 1);
                GateStats g1 = backend.gateStats(ws, ParamsBlock.of(theta), 1, key, 1);
                double[] all = new double[1 + es.flat().length + 2 * g0.flat().length];
                all[0] = ll;
                System.arraycopy(es.flat(), 0, all, 1, es.flat().length);
                System.arraycopy(g0.flat(), 0, all, 1 + es.flat().length, g0.flat().length);
                System.arraycopy(g1.flat(), 0, all, 1 + es.flat().length + g0.flat().length, g1.flat().length);
                out[t - 1] = all;
                z[t - 1] = backend.allocations(ws);
            }
        }
        assertArrayEquals(z[0], z[1]);
        assertArrayEquals(out[0], out[1], 0.0);
        assertEquals(n, z[0].length);
    }
}
