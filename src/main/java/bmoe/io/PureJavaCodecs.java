package bmoe.io;

import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Parquet's page codecs in pure Java: snappy (what pandas, pyarrow, Spark and DuckDB write by default), zstd,
 * lz4 (raw) and gzip. parquet-hadoop's own factory goes through Hadoop's codec classes and native libraries;
 * this one needs neither. Codec objects are made per call, so one factory may serve several threads.
 */
final class PureJavaCodecs implements CompressionCodecFactory {
    static final PureJavaCodecs INSTANCE = new PureJavaCodecs();

    private PureJavaCodecs() {}

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                byte[] in = bytes.toByteArray();
                return switch (codec) {
                    case UNCOMPRESSED -> BytesInput.from(in);
                    case SNAPPY -> compressWith(new SnappyCompressor(), in);
                    case ZSTD -> compressWith(new ZstdCompressor(), in);
                    case LZ4_RAW -> compressWith(new Lz4Compressor(), in);
                    case GZIP -> {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                            gz.write(in);
                        }
                        yield BytesInput.from(out.toByteArray());
                    }
                    default -> throw unsupported(codec);
                };
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {}
        };
    }

    private static BytesInput compressWith(Compressor compressor, byte[] in) {
        byte[] out = new byte[compressor.maxCompressedLength(in.length)];
        int length = compressor.compress(in, 0, in.length, out, 0, out.length);
        return BytesInput.from(out, 0, length);
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                if (codec == CompressionCodecName.UNCOMPRESSED) {
                    return bytes;
                }
                byte[] out = new byte[uncompressedSize];
                ByteBuffer in = bytes.toByteBuffer();
                if (in.hasArray() && codec != CompressionCodecName.GZIP) {
                    // the chunk's own buffer: no copy of the compressed bytes
                    decompressRange(in.array(), in.arrayOffset() + in.position(), in.remaining(), out);
                } else {
                    decompressArrays(bytes.toByteArray(), out);
                }
                return BytesInput.from(out);
            }

            @Override
            public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                    throws IOException {
                byte[] in = new byte[compressedSize];
                input.duplicate().get(in);
                byte[] out = new byte[uncompressedSize];
                if (codec == CompressionCodecName.UNCOMPRESSED) {
                    System.arraycopy(in, 0, out, 0, Math.min(compressedSize, uncompressedSize));
                } else {
                    decompressArrays(in, out);
                }
                output.put(out);
            }

            private void decompressRange(byte[] in, int offset, int length, byte[] out) throws IOException {
                switch (codec) {
                    case SNAPPY -> decompressWith(new SnappyDecompressor(), in, offset, length, out);
                    case ZSTD -> decompressWith(new ZstdDecompressor(), in, offset, length, out);
                    case LZ4_RAW -> decompressWith(new Lz4Decompressor(), in, offset, length, out);
                    default -> throw unsupported(codec);
                }
            }

            private void decompressArrays(byte[] in, byte[] out) throws IOException {
                switch (codec) {
                    case SNAPPY -> decompressWith(new SnappyDecompressor(), in, out);
                    case ZSTD -> decompressWith(new ZstdDecompressor(), in, out);
                    case LZ4_RAW -> decompressWith(new Lz4Decompressor(), in, out);
                    case GZIP -> {
                        try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(in))) {
                            if (gz.readNBytes(out, 0, out.length) != out.length) {
                                throw new IOException("a gzip page shorter than its header says");
                            }
                        }
                    }
                    default -> throw unsupported(codec);
                }
            }

            @Override
            public void release() {}
        };
    }

    /**
     * Decompresses one page from {@code in} (its position to its limit; a direct buffer, as the bulk reader's
     * file window is, or a heap one) into {@code out[0, length)}: no copy of the compressed bytes and no
     * allocation but the codec object. Fails unless exactly {@code length} bytes come out.
     */
    static void decompress(CompressionCodecName codec, ByteBuffer in, byte[] out, int length) throws IOException {
        ByteBuffer target = ByteBuffer.wrap(out, 0, length);
        try {
            switch (codec) {
                case SNAPPY -> target.position(snappy(in, out, length));
                case ZSTD -> new ZstdDecompressor().decompress(in.duplicate(), target);
                case LZ4_RAW -> new Lz4Decompressor().decompress(in.duplicate(), target);
                case GZIP -> {
                    byte[] bytes = new byte[in.remaining()];
                    in.duplicate().get(bytes);
                    try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                        target.position(gz.readNBytes(out, 0, length));
                        if (target.position() == length && gz.read() >= 0) {
                            throw new IOException("a gzip page longer than its header says");
                        }
                    }
                }
                case UNCOMPRESSED -> {
                    if (in.remaining() == length) {
                        in.duplicate().get(out, 0, length);
                        target.position(length);
                    }
                }
                default -> throw unsupported(codec);
            }
        } catch (RuntimeException e) {
            if (e instanceof UnsupportedCodecException) {
                throw e;
            }
            throw new IOException("a corrupt compressed page: " + e.getMessage(), e);
        }
        if (target.position() != length) {
            throw new IOException("a compressed page of " + target.position() + " bytes, its header says " + length);
        }
    }

    /**
     * Snappy's raw format (what Parquet's SNAPPY pages hold) from {@code in}'s position to its limit into
     * {@code out[0, length)}; returns the bytes written. A page of random doubles is a few long literals, each
     * one bulk copy; a small method, so that a fresh JVM compiles it at once (aircompressor's decoder, a
     * thousand bytecodes, is compiled twice over, 0.15 s of the compiler's time on two cores).
     *
     * @return {@code length}
     * @throws IOException for input that is not snappy or does not decode to {@code length} bytes
     */
    static int snappy(ByteBuffer in, byte[] out, int length) throws IOException {
        int at = in.position();
        int end = in.limit();
        long declared = 0;
        for (int shift = 0; ; shift += 7) {
            if (at >= end || shift > 28) {
                throw new IOException("a corrupt snappy page: no length");
            }
            int b = in.get(at++);
            declared |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (declared != length) {
            throw new IOException("a snappy page of " + declared + " bytes, its header says " + length);
        }
        int written = 0;
        while (at < end) {
            int tag = in.get(at++) & 0xff;
            int size;
            int offset;
            switch (tag & 3) {
                case 0 -> {
                    long literal = tag >>> 2;
                    if (literal >= 60) {
                        int bytes = (int) literal - 59;
                        if (at + bytes > end) {
                            throw new IOException("a corrupt snappy page: a literal's length runs past it");
                        }
                        literal = 0;
                        for (int k = 0; k < bytes; k++) {
                            literal |= (long) (in.get(at++) & 0xff) << (8 * k);
                        }
                    }
                    literal += 1;
                    if (literal > end - at || literal > length - written) {
                        throw new IOException("a corrupt snappy page: a literal runs past it");
                    }
                    in.get(at, out, written, (int) literal);
                    at += (int) literal;
                    written += (int) literal;
                    continue;
                }
                case 1 -> {
                    if (at >= end) {
                        throw new IOException("a corrupt snappy page: a copy runs past it");
                    }
                    size = 4 + ((tag >>> 2) & 7);
                    offset = (tag >>> 5) << 8 | in.get(at++) & 0xff;
                }
                case 2 -> {
                    if (at + 2 > end) {
                        throw new IOException("a corrupt snappy page: a copy runs past it");
                    }
                    size = 1 + (tag >>> 2);
                    offset = in.get(at) & 0xff | (in.get(at + 1) & 0xff) << 8;
                    at += 2;
                }
                default -> {
                    if (at + 4 > end) {
                        throw new IOException("a corrupt snappy page: a copy runs past it");
                    }
                    size = 1 + (tag >>> 2);
                    offset = in.get(at) & 0xff | (in.get(at + 1) & 0xff) << 8 | (in.get(at + 2) & 0xff) << 16
                            | (in.get(at + 3) & 0xff) << 24;
                    at += 4;
                }
            }
            if (offset <= 0 || offset > written || size > length - written) {
                throw new IOException("a corrupt snappy page: a copy from outside it");
            }
            if (offset >= size) {
                System.arraycopy(out, written - offset, out, written, size);
            } else {
                for (int k = 0; k < size; k++) {
                    out[written + k] = out[written - offset + k]; // overlapping: repeats the last offset bytes
                }
            }
            written += size;
        }
        if (written != length) {
            throw new IOException("a snappy page of " + written + " bytes, its header says " + length);
        }
        return written;
    }

    private static void decompressWith(Decompressor decompressor, byte[] in, byte[] out) throws IOException {
        decompressWith(decompressor, in, 0, in.length, out);
    }

    private static void decompressWith(Decompressor decompressor, byte[] in, int offset, int inLength, byte[] out)
            throws IOException {
        int length;
        try {
            length = decompressor.decompress(in, offset, inLength, out, 0, out.length);
        } catch (RuntimeException e) {
            throw new IOException("a corrupt compressed page: " + e.getMessage(), e);
        }
        if (length != out.length) {
            throw new IOException("a compressed page of " + length + " bytes, its header says " + out.length);
        }
    }

    private static UnsupportedCodecException unsupported(CompressionCodecName codec) {
        return new UnsupportedCodecException(codec);
    }

    /** A codec bmoe has no pure-Java implementation of (LZO, Brotli, Hadoop-framed LZ4). */
    static final class UnsupportedCodecException extends RuntimeException {
        UnsupportedCodecException(CompressionCodecName codec) {
            super("pages compressed with " + codec + ", which bmoe cannot read; rewrite the file with snappy, zstd or "
                    + "gzip (pandas: to_parquet(..., compression = \"snappy\"))");
        }
    }

    @Override
    public void release() {}
}
