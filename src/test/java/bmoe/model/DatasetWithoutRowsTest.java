package bmoe.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A leave-out refit's data: the other rows in their order, on the full data's scale (not rescaled). */
class DatasetWithoutRowsTest {
    @Test
    void theOtherRowsKeepTheirOrderAndTheFullDatasScaling() {
        double[][] x = {{1, 2, 3, 4, 50}, {-1, 0, 1, 0, -1}};
        double[] y = {0.5, 1.5, 2.5, 3.5, 40};
        Dataset full = Dataset.fromColumns(x, y, List.of("a", "b"), "y", true);
        Dataset without = full.withoutRows(new int[] {1, 4});
        assertEquals(3, without.n());
        assertEquals(2, without.p());
        assertSame(full.scaling(), without.scaling());
        float[] fx = full.x();
        assertArrayEquals(new float[] {fx[0], fx[1], fx[4], fx[5], fx[6], fx[7]}, without.x());
        assertArrayEquals(new float[] {full.y()[0], full.y()[2], full.y()[3]}, without.y());
        assertEquals(full.xNames(), without.xNames());
        assertEquals(5, full.n(), "the full data set is not changed");
        assertEquals(full.n(), full.withoutRows(new int[0]).n());
        for (int[] bad : new int[][] {{5}, {-1}, {2, 2}, {3, 1}}) {
            assertThrows(IllegalArgumentException.class, () -> full.withoutRows(bad));
        }
    }
}
