package bmoe.spark;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A Hadoop file system that bmoe's own code cannot open: the local disk under the scheme {@code elsewhere://}
 * ({@code elsewhere:///tmp/data.csv} is /tmp/data.csv), as hdfs:// or s3a:// would be on a cluster. A fit that reads
 * through it has read through Hadoop's file systems, not java.nio. Registered as {@code fs.elsewhere.impl}.
 */
public class ElsewhereFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "elsewhere";

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    // the local file system's statuses read their permissions lazily, from a java.io.File of the path's URI, which
    // this scheme is not; the sizes and paths are all a reader needs
    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return plain(super.getFileStatus(f));
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        return Arrays.stream(super.listStatus(f)).map(ElsewhereFileSystem::plain).toArray(FileStatus[]::new);
    }

    private static FileStatus plain(FileStatus s) {
        return new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(),
                s.getModificationTime(), s.getPath());
    }
}
