package bmoe.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A data set's identity for {@code fit --resume}: its length in bytes and a SHA-256 of its content. Hashing reads
 * the whole data (about a second per GB), so a fit does it once when it starts and once when it resumes, never per
 * checkpoint. A hash rather than a modification time: copies and restores change times but not content, and an edit
 * that keeps the length and time (rare, but a silent one would make the resumed draws belong to no data set) still
 * changes the hash.
 *
 * <p>A file's hash is the SHA-256 of its bytes. A folder of Parquet part files has the total length of its parts
 * and the SHA-256 over the parts in the order they are read (their paths relative to the folder, sorted), each fed
 * as its relative path, a zero byte, its length in 8 bytes (big-endian) and its content; so a part added, removed,
 * renamed or edited changes it. The same data has the same fingerprint wherever it lies: a local folder and its
 * copy on HDFS (read through bmoe-spark's reader, {@link ExternalData#fingerprint}) agree.
 *
 * @param sha256 hexadecimal
 */
public record DataFingerprint(long size, String sha256) {

    /** A local data file's or Parquet folder's fingerprint. */
    public static DataFingerprint of(Path file) {
        if (!Files.isDirectory(file)) {
            Digest digest = new Digest();
            try (InputStream in = Files.newInputStream(file)) {
                digest.file(in);
            } catch (IOException e) {
                throw new UserError("cannot read data file " + file + ": " + e.getMessage());
            }
            return digest.done();
        }
        Digest digest = new Digest();
        for (Path part : DataSource.files(file)) {
            try (InputStream in = Files.newInputStream(part)) {
                digest.part(file.relativize(part).toString(), Files.size(part), in);
            } catch (IOException e) {
                throw new UserError("cannot read data file " + part + ": " + e.getMessage());
            }
        }
        return digest.done();
    }

    /**
     * The hash as it is built, for a reader of another file system: {@link #file} once for a file, or {@link #part}
     * for each part of a folder in order, then {@link #done}.
     */
    public static final class Digest {
        private final MessageDigest sha = newSha256();
        private final byte[] buffer = new byte[1 << 16];
        private long size;

        /** A data file's content. */
        public void file(InputStream content) throws IOException {
            size += feed(content);
        }

        /** The next part of a folder: its path relative to the folder ('/' between steps), length and content. */
        public void part(String relative, long length, InputStream content) throws IOException {
            sha.update(relative.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(ByteBuffer.allocate(Long.BYTES).putLong(length).array());
            size += feed(content);
        }

        public DataFingerprint done() {
            return new DataFingerprint(size, HexFormat.of().formatHex(sha.digest()));
        }

        private long feed(InputStream in) throws IOException {
            long read = 0;
            int got;
            while ((got = in.read(buffer)) > 0) {
                sha.update(buffer, 0, got);
                read += got;
            }
            return read;
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
