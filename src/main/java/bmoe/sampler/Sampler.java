package bmoe.sampler;

import bmoe.backend.Backend;
import bmoe.model.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the chains of a fit. Chains run side by side (at most {@code parallelChains} at once), each on its
 * own key (seed, chain), sharing the resident data and the backend's workers. Chain c's draws depend only
 * on (seed, c), never on which chains ran beside it.
 */
public final class Sampler {
    private Sampler() {}

    public static List<Chain.Result> run(Backend backend, Dataset data, RunConfig cfg, int parallelChains,
                                         Chain.Listener listener) {
        if (data.n() < 2 * cfg.experts()) {
            throw new IllegalArgumentException("need at least 2K = " + 2 * cfg.experts() + " rows, got " + data.n());
        }
        Backend.Resident resident = backend.upload(data);
        int workers = Math.max(1, Math.min(parallelChains, cfg.chains()));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "bmoe-chain");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Chain.Result>> futures = new ArrayList<>();
            for (int c = 0; c < cfg.chains(); c++) {
                int chain = c;
                futures.add(pool.submit(() -> Chain.run(backend, resident, data, cfg, chain, listener)));
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
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
