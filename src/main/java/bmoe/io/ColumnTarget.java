package bmoe.io;

/**
 * Where a reader puts one column's values, row by row. A missing value arrives as NaN (a file's own NaN,
 * infinities and unparsable cells never do: the reader reports them). Different rows may be set from
 * different threads; each row is set once.
 */
public abstract sealed class ColumnTarget {
    public abstract void set(int row, double value);

    /**
     * Into float32, at {@code array[row * stride + offset]}, as the value minus {@code shift}: a column far from
     * zero (years, timestamps) keeps the precision of its spread instead of losing it to its offset.
     */
    public static ColumnTarget floats(float[] array, int stride, int offset, double shift) {
        return new Floats(array, stride, offset, shift);
    }

    /** Into double, at {@code array[row]}. */
    public static ColumnTarget doubles(double[] array) {
        return new Doubles(array);
    }

    static final class Floats extends ColumnTarget {
        // read by ParquetPages' bulk store, which writes a page's values without a call per value
        final float[] array;
        final int stride;
        final int offset;
        final double shift;

        Floats(float[] array, int stride, int offset, double shift) {
            this.array = array;
            this.stride = stride;
            this.offset = offset;
            this.shift = shift;
        }

        @Override
        public void set(int row, double value) {
            array[row * stride + offset] = (float) (value - shift);
        }
    }

    static final class Doubles extends ColumnTarget {
        private final double[] array;

        Doubles(double[] array) {
            this.array = array;
        }

        @Override
        public void set(int row, double value) {
            array[row] = value;
        }
    }
}
