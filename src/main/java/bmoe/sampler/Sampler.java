package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.backend.ChainBatch;
import bmoe.model.Dataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs the chains of a fit. Chains run side by side (at most {@code parallelChains} at once), each on its
 * own key (seed, chain), sharing the resident data and the backend's workers. Chain c's draws depend only
 * on (seed, c), never on which chains ran beside it.
 *
 * <p>Where the backend advances several chains per pass over the data ({@link Backend#chainsPerPass} > 1) and
 * there are several chains, every chain runs at once in its own thread and their kernel calls go through one
 * {@link ChainBatch}, which issues each round's calls of one kernel and shape as one pass; the draws are the
 * same as without it.
 */
public final class Sampler {
    private Sampler() {}

    /** Runs every chain from its initial state. */
    public static List<Chain.Result> run(Backend backend, Dataset data, RunConfig cfg, int parallelChains,
                                         Chain.Listener listener) {
        return run(backend, data, cfg, parallelChains, Collections.nCopies(cfg.chains(), null), listener);
    }

    /**
     * Runs every chain from its entry in {@code starts} (null: from the initial state), as
     * {@link Chain#run(Backend, Backend.Resident, Dataset, RunConfig, int, ChainState, Chain.Listener)} does.
     * When one chain fails (its listener threw, say), the others are stopped at their next sweep and have
     * stopped when this method throws that first failure: nothing calls the listener after it returns.
     *
     * @param starts one entry per chain. Not modified.
     */
    public static List<Chain.Result> run(Backend backend, Dataset data, RunConfig cfg, int parallelChains,
                                         List<ChainState> starts, Chain.Listener listener) {
        if (data.n() < 2 * cfg.experts()) {
            throw new IllegalArgumentException("need at least 2K = " + 2 * cfg.experts() + " rows, got " + data.n());
        }
        if (starts.size() != cfg.chains()) {
            throw new IllegalArgumentException("need one start per chain (" + cfg.chains() + "), got " + starts.size());
        }
        // chains in one pass over the data: all at once, their calls collected by the batch
        boolean batched = backend.chainsPerPass() > 1 && cfg.chains() > 1;
        int workers = batched ? cfg.chains() : Math.max(1, Math.min(parallelChains, cfg.chains()));
        Backend.Resident resident = batched ? backend.upload(data, workers) : backend.upload(data);
        Backend chains = batched ? new ChainBatch(backend) : backend;
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "bmoe-chain");
            t.setDaemon(true);
            return t;
        });
        try {
            ExecutorCompletionService<Chain.Result> completion = new ExecutorCompletionService<>(pool);
            List<Future<Chain.Result>> futures = new ArrayList<>();
            for (int c = 0; c < cfg.chains(); c++) {
                int chain = c;
                ChainState from = starts.get(c);
                futures.add(completion.submit(() -> Chain.run(chains, resident, data, cfg, chain, from, listener)));
            }
            // in the order chains finish, so that the first failure stops the others at once
            for (int c = 0; c < cfg.chains(); c++) {
                completion.take().get();
            }
            List<Chain.Result> results = new ArrayList<>();
            for (Future<Chain.Result> f : futures) {
                results.add(f.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } finally {
            stop(pool);
            // the run's data leaves the backend with it: a backend that serves several runs (select's refits)
            // holds one data set at a time, not all of them until it closes
            resident.close();
        }
    }

    /** Interrupts the chains still running and waits until they have stopped. */
    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                // a chain stops at its next sweep boundary, and one sweep at large n can take a while
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
