package org.apache.parquet;

import java.util.HashMap;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;

/**
 * {@link ParquetReadOptions} without Hadoop on the class path. Its builder looks up the record filter through
 * ParquetInputFormat, a subclass of Hadoop's FileInputFormat, even when there is none; bmoe reads whole
 * columns with no filter, so it builds the options directly. This class lives in Parquet's package because
 * that constructor is package-private; a change to it in a new parquet-java fails compilation, not a run.
 */
public final class LocalReadOptions {
    /** parquet-java's default read buffer cap (parquet.read.allocation.size). */
    private static final int MAX_ALLOCATION = 8 << 20;

    private LocalReadOptions() {}

    public static ParquetReadOptions create(CompressionCodecFactory codecs) {
        return new ParquetReadOptions(false, true, true, true, true, false, true, false, false, FilterCompat.NOOP,
                ParquetMetadataConverter.NO_FILTER, codecs, new HeapByteBufferAllocator(), MAX_ALLOCATION,
                new HashMap<>(), null, null, new PlainParquetConfiguration());
    }
}
