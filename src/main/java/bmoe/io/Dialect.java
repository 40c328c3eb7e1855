package bmoe.io;

/**
 * How a data file is written, as far as reading numbers from it goes: the field separator and decimal mark
 * of a delimited text file, and what to do with rows that miss a value in a column that is used.
 *
 * @param separator ',', ';', '\t' or '|', or null: detected from the header and the first lines
 * @param decimal '.' or ','
 */
public record Dialect(Character separator, char decimal, Missing missing) {
    /** What a missing value (NA, an empty cell, NaN, NULL, or a Parquet null) in a used column does. */
    public enum Missing {
        /** The read fails, naming the count, the first row and the fix. */
        FAIL,
        /** The rows are left out, and the fit says how many. */
        DROP
    }

    public static final Dialect DEFAULT = new Dialect(null, '.', Missing.FAIL);

    public Dialect {
        if (separator != null && ",;\t|".indexOf(separator) < 0) {
            throw new IllegalArgumentException("separator must be ',', ';', tab or '|'");
        }
        if (decimal != '.' && decimal != ',') {
            throw new IllegalArgumentException("decimal mark must be '.' or ','");
        }
        if (separator != null && separator == decimal) {
            throw new IllegalArgumentException("the separator and the decimal mark are both '" + decimal + "'");
        }
    }

    /**
     * From the command line's words: separator auto, ',', ';', tab (or a tab character) or '|'; decimal '.' or
     * ','; missing fail or drop. A bad value is one line naming its option.
     */
    public static Dialect parse(String separator, String decimal, String missing) {
        // a tab typed as itself ($'\t' in a shell) would vanish in strip()
        Character sep = switch (separator.equals("\t") ? "tab" : separator.strip()) {
            case "auto" -> null;
            case ",", "comma" -> ',';
            case ";", "semicolon" -> ';';
            case "tab", "\\t" -> '\t';
            case "|", "pipe" -> '|';
            default -> throw new UserError("--sep must be auto, ',', ';', tab or '|', got '" + separator + "'");
        };
        char dec = switch (decimal.strip()) {
            case "." -> '.';
            case "," -> ',';
            default -> throw new UserError("--decimal must be '.' or ',', got '" + decimal + "'");
        };
        Missing miss = switch (missing.strip()) {
            case "fail" -> Missing.FAIL;
            case "drop" -> Missing.DROP;
            default -> throw new UserError("--missing must be fail or drop, got '" + missing + "'");
        };
        if (sep != null && sep == dec) {
            throw new UserError("--sep and --decimal are both '" + dec + "'");
        }
        return new Dialect(sep, dec, miss);
    }

    /** The separator as the command line writes it: auto, ',', ';', tab or '|'. */
    public String separatorName() {
        return separator == null ? "auto" : separator == '\t' ? "tab" : separator.toString();
    }

    public String decimalName() {
        return Character.toString(decimal);
    }

    public String missingName() {
        return missing == Missing.DROP ? "drop" : "fail";
    }
}
