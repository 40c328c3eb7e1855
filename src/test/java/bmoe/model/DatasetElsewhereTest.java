package bmoe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a reader that holds the rows elsewhere (bmoe-spark's) builds a data set from: the blocks' moments combined by
 * {@link Dataset#standardisation} and applied by {@link Dataset#standardise} give fromRaw's data set bit for bit;
 * and a data set held elsewhere answers the sampler's few questions (rows, y's range, x moments) from its source.
 */
class DatasetElsewhereTest {
    @Test
    void blockMomentsStandardisedApartAreFromRawsBits() {
        SplittableRandom random = new SplittableRandom(3);
        int p = 3;
        int n = Dataset.MOMENT_BLOCK + 777;
        float[] x = new float[n * p];
        float[] y = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 3 + 1);
        }
        for (int i = 0; i < n; i++) {
            y[i] = (float) random.nextGaussian();
        }
        double[] shift = {0.5, -2, 10};
        List<String> names = List.of("a", "b", "c");
        for (boolean standardize : new boolean[] {true, false}) {
            // apart: each block's moments from its own arrays (as an executor holds it), standardised there
            double[][] moments = new double[2][];
            float[][] bx = new float[2][];
            float[][] by = new float[2][];
            for (int b = 0; b < 2; b++) {
                int from = b * Dataset.MOMENT_BLOCK;
                int to = Math.min(n, from + Dataset.MOMENT_BLOCK);
                bx[b] = Arrays.copyOfRange(x, from * p, to * p);
                by[b] = Arrays.copyOfRange(y, from, to);
                moments[b] = Dataset.blockMoments(bx[b], by[b], p, 0);
            }
            Dataset.Standardisation st = Dataset.standardisation(moments, n, p, shift, 4.0, names, "y", standardize);
            Dataset whole = Dataset.fromRaw(x.clone(), y.clone(), p, shift, 4.0, names, "y", standardize);
            assertArrayEquals(whole.scaling().xMean(), st.scaling().xMean(), 0.0);
            assertArrayEquals(whole.scaling().xSd(), st.scaling().xSd(), 0.0);
            assertEquals(whole.scaling().ySd(), st.scaling().ySd(), 0.0);
            for (int b = 0; b < 2; b++) {
                Dataset.standardise(bx[b], by[b], p, 0, by[b].length, st.centre(), st.scale());
                int from = b * Dataset.MOMENT_BLOCK;
                assertArrayEquals(Arrays.copyOfRange(whole.x(), from * p, from * p + bx[b].length), bx[b]);
                assertArrayEquals(Arrays.copyOfRange(whole.y(), from, from + by[b].length), by[b]);
            }
        }
    }

    @Test
    void aDataSetHeldElsewhereAnswersFromItsSource() {
        float[] x = {1, 2, 3, 4, 5, 6};
        float[] y = {-1, 7, 0};
        Dataset here = Dataset.standardizedView(x, y, 2);
        Dataset.RowSource source = here::rows;
        Dataset there = Dataset.elsewhere(3, 2, here.xNames(), "y", Scaling.identity(2), -1, 7,
                here.xMoments()[0], here.xMoments()[1], source);
        assertTrue(here.isLocal());
        assertFalse(there.isLocal());
        assertEquals(source, there.source());
        assertArrayEquals(new float[] {-1, 7}, here.yRange());
        assertArrayEquals(here.yRange(), there.yRange());
        assertArrayEquals(new double[] {3, 4}, here.xMoments()[0]);
        assertArrayEquals(new double[] {2, 2}, there.xMoments()[1]);
        float[] gotX = new float[4];
        float[] gotY = new float[2];
        there.rows(new int[] {2, 0}, gotX, gotY);
        assertArrayEquals(new float[] {5, 6, 1, 2}, gotX);
        assertArrayEquals(new float[] {0, -1}, gotY);
        IllegalStateException e = assertThrows(IllegalStateException.class, there::x);
        assertTrue(e.getMessage().contains("held elsewhere"), e.getMessage());
        assertThrows(IllegalStateException.class, there::y);
    }
}
