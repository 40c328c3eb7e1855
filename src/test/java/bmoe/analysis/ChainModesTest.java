package bmoe.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import org.junit.jupiter.api.Test;

/**
 * The mode check on constructed chains: log-likelihood traces of sd 4 (as mcycle's), AR(1) with phi = 0.9 so that
 * the chains' own autocorrelation enters the standard errors. Over 1000 draws the ESS is about 1000 (1 - phi) /
 * (1 + phi) = 53, so a chain's mean has se ~ 4 / sqrt(53) = 0.55 and two chains' difference ~ 0.78: a 3.5-unit gap
 * is about 4.5 se; a 6-unit gap 7.7 se (flagged: Z_APART = 5), a 0 gap about |N(0, 1)| (not flagged, but for
 * 1 in 10^6).
 */
class ChainModesTest {
    private static double[] chain(int index, double mean) {
        RngStream rng = new RngStream(new RngKey(42, index));
        double[] v = new double[1000];
        double phi = 0.9;
        double x = 0;
        for (int t = 0; t < v.length; t++) {
            rng.reset(t, 0, 0);
            x = phi * x + Math.sqrt(1 - phi * phi) * Draws.normal(rng);
            v[t] = mean + 4 * x;
        }
        return v;
    }

    @Test
    void chainsInOneModeAreNotFlagged() {
        ChainModes.Result r = ChainModes.compare(new double[][] {chain(0, -600), chain(1, -600), chain(2, -600),
            chain(3, -600)});
        assertFalse(r.apart(), () -> "flagged chains in one mode: " + r);
    }

    @Test
    void aChainInAnotherModeIsNamed() {
        ChainModes.Result r = ChainModes.compare(new double[][] {chain(0, -594), chain(1, -594), chain(2, -600),
            chain(3, -594)});
        assertTrue(r.apart());
        assertEquals(1, r.behind().size(), () -> r.toString());
        assertEquals(2, r.behind().get(0).chain());
        assertTrue(r.behind().get(0).z() > ChainModes.Z_APART);
        String w = r.warning();
        assertTrue(w.startsWith("chain 3 sits in another mode than chain "), w);
        assertTrue(w.contains("--init-starts"), w);
    }

    @Test
    void aPreciseButTinyGapIsNotAMode() {
        // a long iid-like trace: the 0.5-unit gap is many standard errors but below MIN_GAP
        double[][] c = new double[2][200_000];
        RngStream rng = new RngStream(new RngKey(7, 0));
        for (int k = 0; k < 2; k++) {
            for (int t = 0; t < c[k].length; t++) {
                rng.reset(t, k, 0);
                c[k][t] = -1000 - 0.5 * k + 0.1 * Draws.normal(rng);
            }
        }
        ChainModes.Result r = ChainModes.compare(c);
        assertFalse(r.apart(), () -> r.toString());
    }
}
