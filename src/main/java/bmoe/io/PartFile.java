package bmoe.io;

import bmoe.sampler.Chain;
import bmoe.sampler.ChainState;
import bmoe.sampler.RunConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One chain's kept draws as they are made: rows in draws.csv's format (no comments, no header), each
 * appended with a single write as soon as it is kept, so a run killed at any moment leaves every draw it
 * completed on disk. A kill can still land inside a write that spans a page boundary and leave a last row
 * without its newline; a resumed run never reads past its checkpoint's byte length, which always falls
 * between rows, and cuts the file there.
 *
 * <p>Writes go straight to the operating system (no buffer in the JVM), which is what survives the process
 * dying; they are not forced to the disk, so an operating-system crash or power cut may lose recent rows
 * (a resume then reports the file as shorter than its checkpoint).
 */
public final class PartFile implements AutoCloseable {
    private final Path path;
    private final int chain;
    private final RandomAccessFile file;
    private long length;

    private PartFile(Path path, int chain, RandomAccessFile file, long length) {
        this.path = path;
        this.chain = chain;
        this.file = file;
        this.length = length;
    }

    /**
     * Opens chain {@code chain}'s part file (0-based; created if missing) to append after its first
     * {@code keep} bytes, cutting off whatever follows them.
     *
     * @throws UserError if the file is shorter than {@code keep} or cannot be written
     */
    public static PartFile open(Path path, int chain, long keep) {
        if (keep < 0) {
            throw new IllegalArgumentException("keep must be >= 0, got " + keep);
        }
        RandomAccessFile file = null;
        try {
            // RandomAccessFile, not a FileChannel: a channel closes itself when its thread is interrupted,
            // and Sampler interrupts chains to stop them.
            file = new RandomAccessFile(path.toFile(), "rw");
            long size = file.length();
            if (size < keep) {
                throw new UserError(path + " holds " + size + " bytes but its checkpoint counts " + keep
                        + " (damaged?); delete that chain's checkpoint to rerun it from the start");
            }
            file.setLength(keep);
            file.seek(keep);
            return new PartFile(path, chain, file, keep);
        } catch (IOException e) {
            closeQuietly(file);
            throw new UserError("cannot write " + path + ": " + AtomicFiles.describe(e, path));
        } catch (RuntimeException e) {
            closeQuietly(file);
            throw e;
        }
    }

    /** Appends one kept draw with a single write to the operating system. */
    public void append(Chain.Draw draw) {
        byte[] bytes = DrawsFile.row(chain, draw).getBytes(StandardCharsets.UTF_8);
        try {
            file.write(bytes);
        } catch (IOException e) {
            throw new UserError("cannot write " + path + ": " + AtomicFiles.describe(e, path));
        }
        length += bytes.length;
    }

    /** Bytes in the file: every row appended so far, complete. */
    public long length() {
        return length;
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UserError("cannot write " + path + ": " + AtomicFiles.describe(e, path));
        }
    }

    private static void closeQuietly(RandomAccessFile file) {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // already failing with a better message
            }
        }
    }

    /**
     * Reads a finished chain's part file back as its result, all kept draws included.
     *
     * @param chain the chain (0-based), which every row must name (1-based)
     * @param last the chain's final state, carried into the result
     * @throws UserError unless the file holds exactly the chain's kept draws (iterations thin, 2 thin, ...)
     */
    public static Chain.Result read(Path path, int chain, RunConfig cfg, int p, ChainState last) {
        int expected = cfg.keptPerChain();
        int columns = DrawsFile.columns(cfg.experts(), p).size();
        int lead = DrawsFile.LEADING.size();
        List<double[]> rows = new ArrayList<>(expected);
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                double[] row = DrawsFile.parseRow(line, columns, path, lineNo, cfg.variableExperts());
                if (row[0] != chain + 1 || row[1] != lineNo * cfg.thin()) {
                    throw new UserError(path + ": line " + lineNo + " is not chain " + (chain + 1) + "'s draw "
                            + lineNo + " (damaged?)");
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + path + ": " + AtomicFiles.describe(e, path));
        }
        if (rows.size() != expected) {
            throw new UserError(path + " holds " + rows.size() + " draws, chain " + (chain + 1) + " keeps " + expected);
        }
        double[][] draws = new double[expected][];
        int[] iterations = new int[expected];
        double[] logLik = new double[expected];
        int[] nonEmpty = new int[expected];
        for (int r = 0; r < expected; r++) {
            double[] row = rows.get(r);
            iterations[r] = (int) row[1];
            logLik[r] = row[2];
            nonEmpty[r] = (int) row[3];
            draws[r] = Arrays.copyOfRange(row, lead, row.length);
        }
        return new Chain.Result(chain, draws, iterations, logLik, nonEmpty, last);
    }
}
