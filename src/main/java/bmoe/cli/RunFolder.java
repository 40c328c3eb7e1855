package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.Checkpoint;
import bmoe.io.DrawsFile;
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
 */
final class RunFolder {
    static final String SUMMARY = "summary.json";
    private static final String CHECKPOINTS = "checkpoint";
    private static final String PART_SUFFIX = ".part.csv";

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Chain {@code chain}'s (0-based) part file, RUN/chain-N.part.csv with N 1-based as in draws.csv. */
    Path partFile(int chain) {
        return dir.resolve("chain-" + (chain + 1) + PART_SUFFIX);
    }

    Path checkpointFile(int chain) {
        return dir.resolve(CHECKPOINTS).resolve("chain-" + (chain + 1) + ".json");
    }

    /**
     * Starts a new fit in a prepared folder: forgets any earlier run there (summary.json first, so that from
     * then on the folder no longer claims to hold a complete run), then records the settings.
     */
    static RunFolder startNew(Path dir, RunSpec spec) {
        RunFolder folder = new RunFolder(dir);
        delete(dir.resolve(SUMMARY));
        delete(dir.resolve(DrawsFile.NAME));
        folder.removeWorkFiles();
        spec.write(dir);
        return folder;
    }

    /** The folder of an unfinished fit, or a one-line error saying why it is not one. Changes nothing. */
    static RunFolder toResume(Path dir) {
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
        return new RunFolder(dir);
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
            Files.createDirectories(dir.resolve(CHECKPOINTS));
        } catch (IOException e) {
            throw new UserError("cannot create " + dir.resolve(CHECKPOINTS) + ": " + e.getMessage());
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
        Path checkpoints = dir.resolve(CHECKPOINTS);
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
