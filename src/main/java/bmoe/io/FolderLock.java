package bmoe.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One process's claim on a folder: an operating-system lock on FOLDER/{@value #NAME}, with the holder's command,
 * process id and host written into the file for whoever finds it taken.
 *
 * <p>The OS lock, not the file's presence, is the claim: it ends with its process however that ends (a kill
 * included), so a lock file whose lock can be taken is stale and is simply taken over. The file is deleted when
 * the claim is given back. Because of that delete, a taker checks after locking that the file it locked is still
 * the one at the path: otherwise it could hold a lock on a deleted file while another process locks the new one.
 *
 * <p>POSIX locks belong to the process, and closing any channel of the process on the file releases them. So the
 * holder never opens its lock file a second time, and this JVM keeps its own claims in memory ({@link #HELD}): a
 * second claim from within it is refused from there, without touching the file.
 */
public final class FolderLock implements AutoCloseable {
    public static final String NAME = ".bmoe.lock";
    /**
     * Tries before giving up on a lock whose holder has written nothing readable yet: a holder writes its record
     * right after locking, and a read-only check ({@link #checkFree}) locks for a moment without writing one.
     */
    private static final int ATTEMPTS = 20;
    private static final long RETRY_MILLIS = 50;
    /** This JVM's claims: each folder (its real path) with the words another claimant is told. */
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    private final Path key;
    private final Path file;
    private final FileChannel channel;

    private FolderLock(Path key, Path file, FileChannel channel) {
        this.key = key;
        this.file = file;
        this.channel = channel;
    }

    /**
     * Takes the folder (which must exist) for this process, or throws a one-line {@link UserError} naming the
     * process that holds it.
     *
     * @param command what this process is, for the message another one gets ("bmoe fit")
     */
    public static FolderLock take(Path folder, String command) {
        Path key = key(folder);
        String me = command + ", process " + ProcessHandle.current().pid() + " on host " + host();
        String holder = HELD.putIfAbsent(key, me);
        if (holder != null) {
            throw inUse(folder, Optional.of(holder));
        }
        boolean taken = false;
        try {
            FolderLock lock = lock(folder, key, command);
            taken = true;
            return lock;
        } finally {
            if (!taken) {
                HELD.remove(key);
            }
        }
    }

    private static FolderLock lock(Path folder, Path key, String command) {
        Path file = folder.resolve(NAME);
        for (int attempt = 1; ; attempt++) {
            Object before = fileKey(file);
            FileChannel channel;
            Object opened;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                opened = fileKey(file);
            } catch (IOException | SecurityException e) {
                throw new UserError("cannot create the lock file " + file + ": " + AtomicFiles.describe(e, file));
            }
            boolean kept = false;
            try {
                if (tryLock(channel, file)) {
                    // The file locked must be the one at the path: else it is one its last holder deleted after
                    // it was opened here, and the file at the path (another process's now) is left alone.
                    if ((before == null || before.equals(opened)) && Objects.equals(opened, fileKey(file))) {
                        record(channel, file, command);
                        kept = true;
                        return new FolderLock(key, file, channel);
                    }
                } else {
                    Optional<String> holder = describe(channel);
                    if (holder.isPresent() || attempt == ATTEMPTS) {
                        throw inUse(folder, holder);
                    }
                }
            } finally {
                if (!kept) {
                    closeQuietly(channel); // releases a lock taken on a deleted file
                }
            }
            if (attempt == ATTEMPTS) {
                throw new UserError("cannot lock " + file + ": other processes keep replacing it");
            }
            sleep();
        }
    }

    /**
     * The one-line refusal if another process (or another claim of this one) holds the folder now, else empty.
     * Changes nothing: no lock file is created, and a stale one is left for {@link #take} to take over.
     */
    public static Optional<UserError> checkFree(Path folder) {
        String holder = HELD.get(key(folder));
        if (holder != null) {
            return Optional.of(inUse(folder, Optional.of(holder)));
        }
        Path file = folder.resolve(NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // closing the channel releases the lock if it was free
            return tryLock(channel, file) ? Optional.empty() : Optional.of(inUse(folder, describe(channel)));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // its holder has just given it back
        } catch (IOException | SecurityException e) {
            throw new UserError("cannot check the lock file " + file + ": " + AtomicFiles.describe(e, file));
        }
    }

    /** Gives the folder back: deletes the lock file, then releases the lock. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return; // given back already
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // left behind it is harmless: nobody holds its lock, so the next taker takes it over
        } finally {
            closeQuietly(channel);
            HELD.remove(key);
        }
    }

    /** The folder's real path: one folder reached by two paths is one claim. */
    private static Path key(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }

    /** Whether this channel got the lock; false when another process holds it. */
    private static boolean tryLock(FileChannel channel, Path file) {
        try {
            FileLock lock = channel.tryLock();
            return lock != null;
        } catch (OverlappingFileLockException e) {
            return false; // this JVM holds it through a path HELD does not know (a hard link): in use all the same
        } catch (IOException e) {
            throw new UserError("cannot lock " + file + " (does this file system support locks?): "
                    + AtomicFiles.describe(e, file));
        }
    }

    /**
     * The identity (device and inode on Unix) of the file at the path, found without opening it (see the class
     * comment). Null when there is no file, or where the platform has no such identity (the check is then skipped).
     */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes who holds the lock, through the locked channel. */
    private static void record(FileChannel channel, Path file, String command) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("command", command);
        root.put("pid", ProcessHandle.current().pid());
        root.put("host", host());
        root.put("since", Instant.now().toString());
        try {
            byte[] bytes = (Json.MAPPER.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer, buffer.position());
            }
        } catch (IOException e) {
            throw new UserError("cannot write the lock file " + file + ": " + AtomicFiles.describe(e, file));
        }
    }

    /** "bmoe fit, process 12345 on host h" from the holder's record; empty when it has written none yet. */
    private static Optional<String> describe(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 1 << 16));
            while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
                // reads until full or at the end
            }
            JsonNode root = Json.MAPPER.readTree(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
            if (root == null || !root.path("pid").canConvertToLong()) {
                return Optional.empty();
            }
            return Optional.of(root.path("command").asText("bmoe") + ", process " + root.path("pid").asLong()
                    + " on host " + root.path("host").asText("unknown"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static UserError inUse(Path folder, Optional<String> holder) {
        return new UserError(folder + " is in use by " + holder.orElse("another bmoe process (it has not said which)")
                + "; wait for it or stop it");
    }

    /** This machine's name: the kernel's (no name service involved, so never slow), else Java's view of it. */
    private static String host() {
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                String name = Files.readString(kernel).strip();
                if (!name.isEmpty()) {
                    return name;
                }
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | SecurityException e) {
            return "unknown";
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while waiting for a lock");
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing releases the lock whatever happens; nothing to report
        }
    }
}
