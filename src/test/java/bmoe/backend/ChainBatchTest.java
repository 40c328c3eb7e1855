package bmoe.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.backend.cpu.CpuBackend;
import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ChainBatch}: chains in their own threads, each calling the batch as it would call the backend, get the
 * results of their own calls, and calls that can share a pass do; a chain that leaves, fails, is interrupted or
 * stalls never holds the others for good.
 */
@Timeout(120)
class ChainBatchTest {
    private static final int BLOCK = 64;
    private static final Dataset DATA = BackendContractTest.data(5 * BLOCK + 7, 2, 51);
    /** A straggler wait long enough that a test which counts passes never meets it on a loaded machine. */
    private static final long PATIENT_MS = 20_000;

    /** The CPU backend, recording the size of every batched pass it is given. */
    private static final class Recording implements Backend {
        final CpuBackend cpu = new CpuBackend(2, BLOCK, 8);
        final List<String> passes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String name() {
            return cpu.name();
        }

        @Override
        public String describe() {
            return cpu.describe();
        }

        @Override
        public int blockSize() {
            return cpu.blockSize();
        }

        @Override
        public int chainsPerPass() {
            return cpu.chainsPerPass();
        }

        @Override
        public Resident upload(Dataset data) {
            return cpu.upload(data);
        }

        @Override
        public Workspace workspace(Resident data, int experts) {
            return cpu.workspace(data, experts);
        }

        @Override
        public Allocation allocate(Workspace ws, ParamsBlock params, RngKey key, int sweep) {
            return cpu.allocate(ws, params, key, sweep);
        }

        @Override
        public GateGradient gateGradient(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric) {
            return cpu.gateGradient(ws, params, referenceGates, metric);
        }

        @Override
        public GateStats gateStats(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep) {
            return cpu.gateStats(ws, params, gate, key, sweep);
        }

        @Override
        public List<Outcome<Allocation>> allocateAll(List<AllocateCall> calls) {
            passes.add("a" + calls.size());
            return cpu.allocateAll(calls);
        }

        @Override
        public List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls) {
            passes.add("b" + calls.size());
            return cpu.gateGradientAll(calls);
        }

        @Override
        public List<Outcome<GateStats>> gateStatsAll(List<GateStatsCall> calls) {
            passes.add("c" + calls.size());
            return cpu.gateStatsAll(calls);
        }

        @Override
        public byte[] allocations(Workspace ws) {
            return cpu.allocations(ws);
        }

        @Override
        public void close() {
            cpu.close();
        }
    }

    /**
     * One chain's work: its K and which calls it makes, in order ("a" allocate, "b" gateGradient without the metric,
     * "B" with it, "c" gateStats).
     */
    private record Script(int chain, int experts, List<String> calls) {}

    /** What one chain's calls returned, flattened in order, with its allocations after each kernel (a). */
    private static List<double[]> play(Backend backend, Backend.Workspace ws, Script script) {
        List<double[]> out = new ArrayList<>();
        int d = DATA.dim();
        RngKey key = new RngKey(52, script.chain());
        ParamsBlock params = ParamsBlock.of(BackendContractTest.params(script.experts(), d, 53 + script.chain()));
        int step = 0;
        for (String call : script.calls()) {
            step++;
            switch (call) {
                case "a" -> {
                    Allocation a = backend.allocate(ws, params, key, step);
                    out.add(new double[] {a.logLikelihood()});
                    out.add(a.stats().flat());
                    byte[] z = backend.allocations(ws);
                    double[] zs = new double[z.length];
                    for (int i = 0; i < z.length; i++) {
                        zs[i] = z[i];
                    }
                    out.add(zs);
                }
                case "b", "B" -> out.add(backend.gateGradient(ws, params, step % 2 == 0 ? null : params.w(),
                        call.equals("B")).flat());
                case "c" -> out.add(backend.gateStats(ws, params, step % (script.experts() - 1), key, step).flat());
                default -> throw new IllegalArgumentException(call);
            }
        }
        return out;
    }

    /** The scripts run one by one on the backend itself: what each chain must get through the batch. */
    private static List<List<double[]>> alone(List<Script> scripts) {
        List<List<double[]>> out = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(1, BLOCK)) {
            Backend.Resident r = cpu.upload(DATA);
            for (Script s : scripts) {
                try (Backend.Workspace ws = cpu.workspace(r, s.experts())) {
                    out.add(play(cpu, ws, s));
                }
            }
        }
        return out;
    }

    /** The scripts each in its own thread through one batch; every thread has its workspace before any calls. */
    private static List<List<double[]>> together(ChainBatch batch, List<Script> scripts) throws Exception {
        Backend.Resident r = batch.upload(DATA, scripts.size());
        CyclicBarrier allIn = new CyclicBarrier(scripts.size());
        ExecutorService pool = Executors.newFixedThreadPool(scripts.size());
        try {
            List<Future<List<double[]>>> futures = new ArrayList<>();
            for (Script s : scripts) {
                futures.add(pool.submit(() -> {
                    try (Backend.Workspace ws = batch.workspace(r, s.experts())) {
                        allIn.await();
                        return play(batch, ws, s);
                    }
                }));
            }
            List<List<double[]>> out = new ArrayList<>();
            for (Future<List<double[]>> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertSameResults(List<List<double[]>> expected, List<List<double[]>> actual) {
        assertEquals(expected.size(), actual.size());
        for (int c = 0; c < expected.size(); c++) {
            assertEquals(expected.get(c).size(), actual.get(c).size(), "chain " + c);
            for (int i = 0; i < expected.get(c).size(); i++) {
                assertArrayEquals(expected.get(c).get(i), actual.get(c).get(i), 0.0, "chain " + c + " result " + i);
            }
        }
    }

    private static List<String> sweeps(int count, String... calls) {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            out.addAll(List.of(calls));
        }
        return out;
    }

    @Test
    void chainsInStepShareEveryPassAndGetTheirOwnResults() throws Exception {
        List<Script> scripts = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            scripts.add(new Script(c, 3, sweeps(4, "B", "b", "a", "c", "c")));
        }
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            assertSameResults(alone(scripts), together(batch, scripts));
            assertEquals(20, batch.passes(), backend.passes.toString());
            assertEquals(80, batch.passedCalls());
            assertTrue(backend.passes.stream().allMatch(p -> p.endsWith("4")), backend.passes.toString());
        }
    }

    @Test
    void passesHoldAtMostChainsPerPassCalls() throws Exception {
        List<Script> scripts = new ArrayList<>();
        for (int c = 0; c < 5; c++) {
            scripts.add(new Script(c, 2, sweeps(2, "b", "a")));
        }
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 2, PATIENT_MS);
            assertSameResults(alone(scripts), together(batch, scripts));
            assertEquals(List.of("b2", "b2", "b1", "a2", "a2", "a1", "b2", "b2", "b1", "a2", "a2", "a1"),
                    backend.passes);
        }
    }

    /**
     * Chains of different K (1, 2, 3) never share a pass, and chains of one K do: the K = 3 pair shares its
     * passes, and the others still finish with their own results.
     */
    @Test
    void chainsOfDifferentKFinishWithTheirOwnResults() throws Exception {
        List<Script> scripts = List.of(new Script(0, 3, sweeps(3, "b", "a", "c")), new Script(1, 1, sweeps(9, "a")),
                new Script(2, 2, sweeps(3, "b", "b", "a", "c")), new Script(3, 3, sweeps(3, "b", "a", "c")));
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            assertSameResults(alone(scripts), together(batch, scripts));
            assertTrue(backend.passes.stream().anyMatch(p -> p.endsWith("2")), backend.passes.toString());
        }
    }

    /**
     * A chain that skips a call (a gate proposal that is not finite skips its kernel (b)) falls back into step:
     * chain 0 leaves out one "b" in its second sweep, and three sweeps before the end both chains share every pass
     * again. (In step the chains may be a whole sweep apart, so the last sweep's passes can be one chain's.)
     */
    @Test
    void aChainThatSkipsACallFallsBackIntoStep() throws Exception {
        List<String> skipping = sweeps(8, "b", "b", "a");
        skipping.remove(4);
        List<Script> scripts = List.of(new Script(0, 3, skipping), new Script(1, 3, sweeps(8, "b", "b", "a")));
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            assertSameResults(alone(scripts), together(batch, scripts));
            List<String> last = backend.passes.subList(backend.passes.size() - 12, backend.passes.size() - 3);
            assertTrue(last.stream().allMatch(p -> p.endsWith("2")), backend.passes.toString());
        }
    }

    /** A chain that fails (its own exception, thrown between calls) leaves the batch; the others finish. */
    @Test
    void aChainThatFailsLeavesTheOthersRunning() throws Exception {
        RuntimeException boom = new IllegalStateException("chain 0 fails");
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            Backend.Resident r = batch.upload(DATA, 3);
            CyclicBarrier allIn = new CyclicBarrier(3);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    int chain = c;
                    futures.add(pool.submit(() -> {
                        try (Backend.Workspace ws = batch.workspace(r, 2)) {
                            allIn.await();
                            ParamsBlock params = ParamsBlock.of(BackendContractTest.params(2, DATA.dim(), 54));
                            for (int s = 1; s <= 10; s++) {
                                if (chain == 0 && s == 4) {
                                    throw boom;
                                }
                                batch.allocate(ws, params, new RngKey(55, chain), s);
                            }
                            return 10;
                        }
                    }));
                }
                ExecutionException failed = assertThrows(ExecutionException.class, () -> futures.get(0).get());
                assertSame(boom, failed.getCause());
                assertEquals(10, futures.get(1).get());
                assertEquals(10, futures.get(2).get());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * A chain interrupted while its call waits for a round throws at once and leaves; the chain the round waited
     * for then runs on its own. The straggler wait is long, so only the interrupt can end chain 0's wait.
     */
    @Test
    void aChainInterruptedWhileWaitingThrowsAndTheOthersGoOn() throws Exception {
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            Backend.Resident r = batch.upload(DATA, 2);
            CountDownLatch bothIn = new CountDownLatch(2);
            CountDownLatch zeroGone = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            ParamsBlock params = ParamsBlock.of(BackendContractTest.params(2, DATA.dim(), 56));
            try {
                Future<?> zero = pool.submit(() -> {
                    try (Backend.Workspace ws = batch.workspace(r, 2)) {
                        bothIn.countDown();
                        bothIn.await();
                        return batch.allocate(ws, params, new RngKey(57, 0), 1);
                    } finally {
                        zeroGone.countDown();
                    }
                });
                Future<Integer> one = pool.submit(() -> {
                    try (Backend.Workspace ws = batch.workspace(r, 2)) {
                        bothIn.countDown();
                        zeroGone.await(); // makes no call until chain 0 has gone
                        for (int s = 1; s <= 3; s++) {
                            batch.allocate(ws, params, new RngKey(57, 1), s);
                        }
                        return 3;
                    }
                });
                bothIn.await();
                Thread.sleep(200); // chain 0's call is waiting for chain 1's
                zero.cancel(true);
                assertTrue(zeroGone.await(10, TimeUnit.SECONDS), "chain 0 did not stop");
                assertEquals(3, one.get(30, TimeUnit.SECONDS));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The interrupted call itself says why it stopped: a CancellationException, its thread still interrupted. */
    @Test
    void anInterruptedWaitThrowsCancellation() throws Exception {
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            Backend.Resident r = batch.upload(DATA, 2);
            CountDownLatch otherIn = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread other = new Thread(() -> {
                try (Backend.Workspace ws = batch.workspace(r, 2)) {
                    otherIn.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            other.start();
            otherIn.await();
            Thread self = Thread.currentThread();
            Thread interrupter = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                self.interrupt();
            });
            try (Backend.Workspace ws = batch.workspace(r, 2)) {
                interrupter.start();
                ParamsBlock params = ParamsBlock.of(BackendContractTest.params(2, DATA.dim(), 58));
                assertThrows(CancellationException.class, () -> batch.allocate(ws, params, new RngKey(59, 0), 1));
                assertTrue(Thread.interrupted(), "the interrupt stays set");
            } finally {
                release.countDown();
                interrupter.join();
                other.join();
            }
        }
    }

    /**
     * A chain that holds a workspace but stalls (its listener blocks, say) delays the others by the straggler wait
     * per call, and no longer: chain 0 makes its 5 calls while chain 1 sleeps through all of them.
     */
    @Test
    void aStalledChainDelaysTheOthersOnlyByTheStragglerWait() throws Exception {
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, 20);
            Backend.Resident r = batch.upload(DATA, 2);
            CountDownLatch done = new CountDownLatch(1);
            CountDownLatch stalledIn = new CountDownLatch(1);
            Thread stalled = new Thread(() -> {
                try (Backend.Workspace ws = batch.workspace(r, 2)) {
                    stalledIn.countDown();
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stalled.start();
            stalledIn.await();
            long t0 = System.nanoTime();
            try (Backend.Workspace ws = batch.workspace(r, 2)) {
                ParamsBlock params = ParamsBlock.of(BackendContractTest.params(2, DATA.dim(), 60));
                for (int s = 1; s <= 5; s++) {
                    batch.allocate(ws, params, new RngKey(61, 0), s);
                }
            } finally {
                done.countDown();
                stalled.join();
            }
            double seconds = (System.nanoTime() - t0) * 1e-9;
            assertEquals(5, batch.passes());
            assertTrue(seconds < 10, seconds + " s");
        }
    }

    /**
     * A chain that is running host code when the others' calls are in (here 300 ms of arithmetic) is waited for
     * beyond the straggler wait, so the chains stay in step: both calls of both chains go in two shared passes.
     */
    @Test
    void aRunningChainIsWaitedFor() throws Exception {
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, 20);
            Backend.Resident r = batch.upload(DATA, 2);
            CyclicBarrier allIn = new CyclicBarrier(2);
            ParamsBlock params = ParamsBlock.of(BackendContractTest.params(2, DATA.dim(), 64));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Double>> futures = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    int chain = c;
                    futures.add(pool.submit(() -> {
                        try (Backend.Workspace ws = batch.workspace(r, 2)) {
                            allIn.await();
                            double sink = batch.allocate(ws, params, new RngKey(65, chain), 1).logLikelihood();
                            if (chain == 1) {
                                long until = System.nanoTime() + 300_000_000L;
                                while (System.nanoTime() < until) {
                                    sink = Math.sqrt(sink * sink + 1.0);
                                }
                            }
                            return sink + batch.allocate(ws, params, new RngKey(65, chain), 2).logLikelihood();
                        }
                    }));
                }
                for (Future<Double> f : futures) {
                    assertTrue(Double.isFinite(f.get()));
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(List.of("a2", "a2"), backend.passes);
        }
    }

    @Test
    void workspacesOfAnotherBackendAreRefused() throws BrokenBarrierException {
        try (Recording backend = new Recording()) {
            ChainBatch batch = new ChainBatch(backend, 8, PATIENT_MS);
            Backend.Workspace foreign = backend.workspace(backend.upload(DATA), 2);
            ParamsBlock params = ParamsBlock.of(BackendContractTest.params(2, DATA.dim(), 62));
            assertThrows(IllegalArgumentException.class, () -> batch.allocate(foreign, params, new RngKey(63, 0), 1));
            assertThrows(IllegalArgumentException.class, () -> new ChainBatch(batch));
        }
    }
}
