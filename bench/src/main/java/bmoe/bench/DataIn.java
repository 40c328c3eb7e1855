package bmoe.bench;

import bmoe.io.DataSource;
import bmoe.io.Dialect;
import bmoe.io.RawData;
import bmoe.model.Dataset;
import java.io.BufferedReader;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Data in: how long bmoe takes to read a data file into the sampler's float32 columns, and the heap it peaks
 * at, against the CSV libraries it could have used instead (bench/run-data-in.sh runs it under
 * /usr/bin/time for the resident peak). Not JMH: one load is seconds, and what matters is the whole read.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar bmoe.bench.DataIn load FILE        bmoe's reader (DataSource + RawData)
 *   java -cp bench/target/benchmarks.jar bmoe.bench.DataIn load-fromraw FILE the same as fit does it (fromRaw)
 *   java -cp bench/target/benchmarks.jar bmoe.bench.DataIn to-float IN OUT   IN again with FLOAT columns
 *   java -cp bench/target/benchmarks.jar bmoe.bench.DataIn commons-csv FILE commons-csv 1.14, Double.parseDouble
 *   java -cp bench/target/benchmarks.jar bmoe.bench.DataIn fastcsv FILE     FastCSV 4.1, Double.parseDouble
 *   java -cp bench/target/benchmarks.jar bmoe.bench.DataIn fastcsv-fdp FILE FastCSV 4.1, fastdoubleparser
 * </pre>
 * The library runs parse every cell of a comma-separated file with a header on one thread into float32
 * (their readers are sequential), summing them so nothing is optimised away.
 */
public final class DataIn {
    private DataIn() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path file = Path.of(args[1]);
        if (mode.equals("to-float")) {
            toFloat(file, Path.of(args[2]));
            return;
        }
        long bytes = Files.isDirectory(file) ? DataSource.files(file).stream().mapToLong(DataIn::size).sum()
                : Files.size(file);
        long t0 = System.nanoTime();
        String detail;
        long floatBytes;
        switch (mode) {
            case "load", "load-fused" -> {
                DataSource source = DataSource.open(file, Dialect.DEFAULT);
                long counted = System.nanoTime();
                List<String> columns = source.columns();
                List<String> x = columns.stream().filter(c -> !c.equals("y") && !c.isEmpty()).toList();
                boolean fused = mode.equals("load-fused");
                RawData raw = RawData.read(source, x, "y", Dialect.Missing.FAIL, fused);
                long read = System.nanoTime();
                // load: the standardising computes the block moments (Dataset.fromRaw), as fit does; load-fused:
                // the reader computes them while the rows are in cache and RawData.dataset passes them on
                Dataset data = fused ? raw.dataset(x, "y", true)
                        : Dataset.fromRaw(raw.x(), raw.y(), raw.p(), raw.xShift(), raw.yShift(), x, "y", true);
                long standardised = System.nanoTime();
                floatBytes = 4L * data.n() * (data.p() + 1);
                detail = String.format(Locale.ROOT, "n %d p %d; open+count %.2f s, parse %.2f s, standardise %.2f s",
                        data.n(), data.p(), (counted - t0) * 1e-9, (read - counted) * 1e-9, (standardised - read) * 1e-9);
            }
            case "commons-csv" -> {
                CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
                double sum = 0;
                long cells = 0;
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                     CSVParser parser = format.parse(reader)) {
                    for (CSVRecord record : parser) {
                        for (int j = 0; j < record.size(); j++) {
                            sum += (float) Double.parseDouble(record.get(j));
                            cells++;
                        }
                    }
                }
                floatBytes = 4 * cells;
                detail = "cells " + cells + " sum " + sum;
            }
            case "fastcsv", "fastcsv-fdp" -> {
                boolean fdp = mode.equals("fastcsv-fdp");
                double sum = 0;
                long cells = 0;
                try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                     var csv = de.siegmar.fastcsv.reader.CsvReader.builder().ofCsvRecord(reader)) {
                    boolean header = true;
                    for (var record : csv) {
                        if (header) {
                            header = false;
                            continue;
                        }
                        for (int j = 0; j < record.getFieldCount(); j++) {
                            String s = record.getField(j);
                            sum += (float) (fdp ? ch.randelshofer.fastdoubleparser.JavaDoubleParser.parseDouble(s)
                                    : Double.parseDouble(s));
                            cells++;
                        }
                    }
                }
                floatBytes = 4 * cells;
                detail = "cells " + cells + " sum " + sum;
            }
            default -> throw new IllegalArgumentException("mode: load, load-fused, commons-csv, fastcsv or fastcsv-fdp");
        }
        double seconds = (System.nanoTime() - t0) * 1e-9;
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf(Locale.ROOT, "%s %s: %.2f s, %.0f MB/s of file, %.0f MB/s of float32; float32 %.0f MB, "
                        + "peak heap %.0f MB (%.2f x float32); %s%n", mode, file.getFileName(), seconds, bytes / seconds / 1e6,
                floatBytes / seconds / 1e6, floatBytes / 1e6, heapPeak / 1e6, heapPeak / (double) floatBytes, detail);
    }

    /**
     * Writes a Parquet file's columns again as FLOAT columns (what the sampler keeps), as bmoe writes files
     * otherwise (PLAIN pages, snappy, 128 MiB row groups): the float32 file the Data in table measures beside
     * simulate's doubles.
     */
    private static void toFloat(Path in, Path out) {
        DataSource source = DataSource.open(in, Dialect.DEFAULT);
        List<String> names = source.columns();
        int n = source.rows();
        double[][] values = new double[names.size()][n];
        bmoe.io.ColumnTarget[] targets = new bmoe.io.ColumnTarget[names.size()];
        List<bmoe.io.ParquetColumnsWriter.Column> columns = new java.util.ArrayList<>();
        for (int j = 0; j < targets.length; j++) {
            targets[j] = bmoe.io.ColumnTarget.doubles(values[j]);
            columns.add(new bmoe.io.ParquetColumnsWriter.Column(names.get(j),
                    org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT, false));
        }
        source.read(names, targets);
        try (bmoe.io.ParquetColumnsWriter w = new bmoe.io.ParquetColumnsWriter(out, columns)) {
            w.write(values, n);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
