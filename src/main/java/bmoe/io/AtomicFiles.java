package bmoe.io;

import bmoe.cli.UserError;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Output that never looks complete when it is not: written under a temporary name beside the target,
 * then renamed into place.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of one file. */
    public interface Body {
        void write(Writer out) throws IOException;
    }

    /** Creates the folder if needed and checks that files can be created in it. */
    public static void prepareFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException | SecurityException e) {
            throw new UserError("cannot create output folder " + folder + ": " + describe(e));
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
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UserError("output folder does not exist: " + parent);
        }
        prepareFolder(parent);
    }

    public static void write(Path target, Body body) {
        Path parent = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(parent, "." + target.getFileName(), ".part");
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                body.write(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + describe(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary name never looks like the real output
                }
            }
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }
}
