package bmoe.cli;

import bmoe.io.Dialect;
import picocli.CommandLine.Option;

/** How the data file is written: the options fit shares with the commands that read data the same way. */
final class DataOptions {
    @Option(names = "--sep", defaultValue = "auto", paramLabel = "auto|,|;|tab||",
            description = "Field separator of a text data file (default ${DEFAULT-VALUE}: detected from the header "
                + "and the first lines among ',', ';', tab and '|').")
    String separator;

    @Option(names = "--decimal", defaultValue = ".", paramLabel = ".|,",
            description = "Decimal mark of a text data file (default ${DEFAULT-VALUE}; ',' for files from "
                + "write.csv2 or a European spreadsheet).")
    String decimal;

    @Option(names = "--missing", defaultValue = "fail", paramLabel = "fail|drop",
            description = "A row with a missing value (NA, empty, NaN, NULL, a Parquet null) in a used column: "
                + "fail (default) names the count and the first; drop leaves those rows out, and the fit says how many.")
    String missing;

    Dialect dialect() {
        return Dialect.parse(separator, decimal, missing);
    }
}
