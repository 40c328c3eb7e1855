package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.Checkpoint;
import bmoe.io.FolderLock;
import bmoe.io.PartFile;
import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.RunConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fit's run folder while it is written. From the start: run.json (the settings, {@link RunSpec}),
 * chain-N.part.csv (each chain's kept draws as they come, {@link PartFile}) and checkpoint/chain-N.json (each
 * chain's state every so many sweeps, {@link Checkpoint}). At the end draws.csv and summary.json, summary.json
 * renamed into place last; then the part files and checkpoints go. A folder without summary.json is never a
 * complete run, and one with run.json but without summary.json can be resumed.
 *
 * <p>A fit or resume holds the folder ({@link FolderLock}) from before it changes anything until it is closed,
 * so that a second one on the same folder refuses instead of deleting the first one's files under it.
 */
final class RunFolder implements AutoCloseable {
    static final String SUMMARY = "summary.json";
    private static final String PART_SUFFIX = ".part.csv";

    private final Path dir;
    private final FolderLock lock;

    private RunFolder(Path dir, FolderLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    Path dir() {
        return dir;
    }

    /** Chain {@code chain}'s (0-based) part file, RUN/chain-N.part.csv with N 1-based as in draws.csv. */
    Path partFile(int chain) {
        return dir.resolve("chain-" + (chain + 1) + PART_SUFFIX);
    }

    Path checkpointFile(int chain) {
        return dir.resolve(RunFiles.CHECKPOINTS).resolve("chain-" + (chain + 1) + ".json");
    }

    /**
     * Whether a new fit may write into {@code dir}, checked before the fit reads its data (which can take long);
     * changes nothing. {@link #startNew} checks again once it holds the folder.
     *
     * @param force whether bmoe's files there may be replaced (the others are kept)
     */
    static void checkNew(Path dir, boolean force) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError("output path is not a folder: " + dir);
        }
        FolderLock.checkFree(dir).ifPresent(inUse -> {
            throw inUse;
        });
        if (!force) {
            refuseUnlessEmpty(dir, RunFiles.of(dir));
        }
    }

    /**
     * Starts a new fit in a prepared folder: takes it, refuses it if it holds anything unless {@code force},
     * clears bmoe's files there (summary.json first, so that from then on the folder no longer claims to hold a
     * complete run; files bmoe did not write stay), then records the settings. Close the folder when the fit ends.
     */
    static RunFolder startNew(Path dir, RunSpec spec, boolean force) {
        FolderLock lock = FolderLock.take(dir, "bmoe fit");
        try {
            RunFiles.Listing found = RunFiles.of(dir);
            if (!force) {
                refuseUnlessEmpty(dir, found);
            }
            RunFiles.clear(dir, found);
            spec.write(dir);
            return new RunFolder(dir, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** One line naming what the folder holds (a few files of each kind) and what to do about it. */
    private static void refuseUnlessEmpty(Path dir, RunFiles.Listing found) {
        if (found.isEmpty()) {
            return;
        }
        String foreign = "files bmoe did not write (" + names(found.foreign()) + ")";
        if (found.bmoe().isEmpty()) {
            throw new UserError(dir + " is not empty: it holds " + foreign + "; choose a new or empty folder with "
                    + "--out, or give --force to write the run beside them");
        }
        String run = (found.unfinished() ? "an unfinished run (" : "another run's files (") + names(found.bmoe()) + ")";
        String resume = found.unfinished() ? "finish it with 'bmoe fit --resume " + dir + "', " : "";
        if (found.foreign().isEmpty()) {
            throw new UserError(dir + " holds " + run + "; " + resume + "give --force to replace it, or choose "
                    + "another --out");
        }
        throw new UserError(dir + " holds " + run + " and " + foreign + "; " + resume + "give --force to replace the "
                + "run (the other files are kept), or choose another --out");
    }

    /** The first few names, then how many more. */
    private static String names(List<String> names) {
        int shown = Math.min(names.size(), 3);
        String first = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? first + " and " + (names.size() - shown) + " more" : first;
    }

    /**
     * The folder of an unfinished fit, taken for its resume (close it when the resume ends), or a one-line error
     * saying why it is not one or who holds it. Changes nothing but the lock file.
     */
    static RunFolder toResume(Path dir) {
        checkResumable(dir);
        FolderLock lock = FolderLock.take(dir, "bmoe fit --resume");
        try {
            // again: a fit that held the folder until a moment ago may have finished it
            checkResumable(dir);
            return new RunFolder(dir, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static void checkResumable(Path dir) {
        if (!Files.exists(dir)) {
            throw new UserError("no run folder " + dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError(dir + " is not a run folder");
        }
        if (Files.exists(dir.resolve(SUMMARY))) {
            throw new UserError("run " + dir + " is already complete (it has " + SUMMARY + "); nothing to resume");
        }
        if (!Files.isRegularFile(dir.resolve(RunSpec.FILE))) {
            throw new UserError(dir + " is not a resumable run folder (no " + RunSpec.FILE + ")");
        }
    }

    /** Gives the folder back (deletes the lock file). */
    @Override
    public void close() {
        lock.close();
    }

    /**
     * Each chain's checkpoint, null where a chain has none (it then reruns from sweep 0), checked against
     * the run and against its part file. Reads only, so a refused resume leaves the folder as it was.
     *
     * @param dim d = p + 1
     */
    List<Checkpoint> checkpoints(RunConfig cfg, int dim) {
        List<Checkpoint> out = new ArrayList<>();
        for (int c = 0; c < cfg.chains(); c++) {
            Path file = checkpointFile(c);
            Checkpoint cp = Files.exists(file) ? Checkpoint.read(file, c, cfg, dim) : null;
            long size = size(partFile(c));
            if (cp != null && size < cp.partBytes()) {
                throw new UserError(partFile(c) + " holds " + size + " bytes but its checkpoint counts "
                        + cp.partBytes() + " (damaged?); delete " + file + " to rerun that chain from the start");
            }
            out.add(cp);
        }
        return out;
    }

    /**
     * Opens every chain's part file, cut back to its checkpoint (emptied where there is none: that chain
     * makes its draws again, identically), and returns the listener that appends kept draws to them and
     * writes checkpoints.
     *
     * @param every sweeps between checkpoints (0: none); a chain's last sweep is always checkpointed when
     *     checkpoints are on, so that a resume does not rerun a finished chain
     * @param from one entry per chain, null for none. Not modified.
     */
    Recorder recorder(RunConfig cfg, int every, List<Checkpoint> from) {
        try {
            Files.createDirectories(dir.resolve(RunFiles.CHECKPOINTS));
        } catch (IOException e) {
            throw new UserError("cannot create " + dir.resolve(RunFiles.CHECKPOINTS) + ": " + e.getMessage());
        }
        PartFile[] parts = new PartFile[cfg.chains()];
        try {
            for (int c = 0; c < parts.length; c++) {
                parts[c] = PartFile.open(partFile(c), c, from.get(c) == null ? 0 : from.get(c).partBytes());
            }
        } catch (RuntimeException e) {
            closeAll(parts);
            throw e;
        }
        return new Recorder(cfg, every, parts);
    }

    /** Streams kept draws to the part files and writes checkpoints; one chain's calls come from its thread. */
    final class Recorder implements Chain.Listener, AutoCloseable {
        private final RunConfig cfg;
        private final int every;
        private final PartFile[] parts;

        private Recorder(RunConfig cfg, int every, PartFile[] parts) {
            this.cfg = cfg;
            this.every = every;
            this.parts = parts;
        }

        @Override
        public void drawKept(int chain, Chain.Draw draw) {
            parts[chain].append(draw);
        }

        @Override
        public void sweepDone(int chain, ChainState state) {
            int sweep = state.sweep();
            if (every > 0 && (sweep % every == 0 || sweep == cfg.sweepsPerChain())) {
                new Checkpoint(state, cfg.keptThrough(sweep), parts[chain].length()).write(checkpointFile(chain), chain);
            }
        }

        @Override
        public void close() {
            closeAll(parts);
        }
    }

    /**
     * Every chain's kept draws, read back from the part files once all chains have finished.
     *
     * @param session what this session's sampler returned (for each chain's final state). Not modified.
     */
    List<Chain.Result> readChains(RunConfig cfg, int p, List<Chain.Result> session) {
        List<Chain.Result> all = new ArrayList<>();
        for (int c = 0; c < cfg.chains(); c++) {
            all.add(PartFile.read(partFile(c), c, cfg, p, session.get(c).last()));
        }
        return all;
    }

    /** Deletes the part files and checkpoints (once draws.csv and summary.json are in place). */
    void removeWorkFiles() {
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, "chain-*" + PART_SUFFIX)) {
            for (Path part : parts) {
                delete(part);
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + e.getMessage());
        }
        Path checkpoints = dir.resolve(RunFiles.CHECKPOINTS);
        if (Files.isDirectory(checkpoints)) {
            // temporary files of a checkpoint write cut short by a kill may lie beside the checkpoints
            try (DirectoryStream<Path> files = Files.newDirectoryStream(checkpoints)) {
                for (Path f : files) {
                    delete(f);
                }
            } catch (IOException e) {
                throw new UserError("cannot list " + checkpoints + ": " + e.getMessage());
            }
            delete(checkpoints);
        }
    }

    private static void closeAll(PartFile[] parts) {
        for (PartFile part : parts) {
            if (part != null) {
                part.close();
            }
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UserError("cannot delete " + file + ": " + e.getMessage());
        }
    }
}
