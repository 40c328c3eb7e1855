package bmoe.io;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Output that never looks complete when it is not: written under a temporary name beside the target,
 * then renamed into place.
 */
public final class AtomicFiles {
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();
    private AtomicFiles() {}

    /** Writes the content of one text file (UTF-8). */
    public interface Body {
        void write(Writer out) throws IOException;
    }

    /** Writes the content of one binary file (an image, say). */
    public interface BinaryBody {
        void write(OutputStream out) throws IOException;
    }

    /** Creates the folder if needed and checks that files can be created in it. */
    public static void prepareFolder(Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new UserError("output path is not a folder: " + folder);
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException | SecurityException e) {
            throw new UserError("cannot create output folder " + folder + ": " + describe(e, folder));
        }
        if (!Files.isDirectory(folder)) {
            throw new UserError("output path is not a folder: " + folder);
        }
        try {
            Path probe = Files.createTempFile(folder, ".bmoe-write-test", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new UserError("output folder is not writable: " + folder);
        }
    }

    /** Checks up front that a file can be created where {@code target} names it. */
    public static void checkWritable(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.exists(parent)) {
            throw new UserError("output folder does not exist: " + parent);
        }
        prepareFolder(parent);
    }

    public static void write(Path target, Body body) {
        Map<Path, Body> one = new LinkedHashMap<>();
        one.put(target, body);
        writeAll(one);
    }

    /** {@link #write} for bytes: the same temporary name, rename and clean-up. */
    public static void writeBytes(Path target, BinaryBody body) {
        Map<Path, BinaryBody> one = new LinkedHashMap<>();
        one.put(target, body);
        writeAllBytes(one);
    }

    /**
     * Writes several files as one output: every file goes to a temporary name first, and only when all
     * are written are they renamed into place, in the given order (put the file that marks completion
     * last). A failure while writing leaves none of them.
     */
    public static void writeAll(Map<Path, Body> files) {
        Map<Path, BinaryBody> binary = new LinkedHashMap<>();
        files.forEach((path, text) -> binary.put(path, out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            text.write(writer);
            writer.flush();
        }));
        writeAllBytes(binary);
    }

    /** {@link #writeAll} for binary bodies (a Parquet file beside its text companion, say). */
    public static void writeAllBytes(Map<Path, BinaryBody> files) {
        Map<Path, Path> written = new LinkedHashMap<>();
        Path current = null;
        try {
            for (Map.Entry<Path, BinaryBody> f : files.entrySet()) {
                current = f.getKey();
                Path parent = current.toAbsolutePath().getParent();
                // Not Files.createTempFile: that makes the file owner-only (0600), and the renamed output
                // would keep it; a plain CREATE_NEW honours the user's umask like any other tool.
                Path tmp = parent.resolve("." + current.getFileName() + "." + ProcessHandle.current().pid() + "."
                        + TEMP_COUNTER.incrementAndGet() + ".part");
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                    written.put(current, tmp);
                    f.getValue().write(out);
                }
            }
            for (Map.Entry<Path, Path> w : written.entrySet()) {
                current = w.getKey();
                try {
                    Files.move(w.getValue(), current, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(w.getValue(), current, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + current + ": " + describe(e, current));
        } finally {
            for (Path tmp : written.values()) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary name never looks like the real output
                }
            }
        }
    }

    /** The reason in words, for a one-line message: no exception class names (those read as a crash). */
    static String describe(Exception e, Path subject) {
        if (e instanceof FileSystemException f) {
            String reason;
            if (f instanceof AccessDeniedException) {
                reason = "permission denied";
            } else if (f instanceof NoSuchFileException) {
                reason = "no such file or folder";
            } else if (f instanceof FileAlreadyExistsException) {
                reason = "a file of that name is in the way";
            } else if (f instanceof NotDirectoryException) {
                reason = "not a folder";
            } else {
                reason = f.getReason() != null ? f.getReason() : "input/output error";
            }
            String file = f.getFile();
            return file == null || file.equals(subject.toString()) ? reason : reason + " (" + file + ")";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "input/output error" : m;
    }
}
