package org.apache.parquet.format.converter;

import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.schema.MessageType;

/**
 * A footer's schema as parquet-java reads it, without the rest of its footer conversion: ParquetFileReader's
 * footer is a ParquetMetadata, whose class initialiser builds a Jackson ObjectMapper (a tenth of a second of
 * class loading in a fresh JVM, more than bmoe's whole bulk read of a 60 MB file). This class lives in
 * Parquet's package because the schema conversion is package-private; a change to it in a new parquet-java
 * fails compilation, not a run.
 */
public final class FooterSchema {
    private FooterSchema() {}

    public static MessageType of(FileMetaData footer) {
        return new ParquetMetadataConverter().fromParquetSchema(footer.getSchema(), footer.getColumn_orders());
    }
}
