package bmoe.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * PG(1, c) against its closed-form mean and variance. Error budget: with N iid draws the sample mean has
 * standard error sqrt(Var / N) and the sample variance sqrt((m4 - Var^2) / N) (m4 estimated); a
 * 5-standard-error band is a false alarm rate of 5.7e-7 per check under normality, 8 checks here.
 */
@Tag("statistical")
class PolyaGammaTest {
    private static final int DRAWS = 200_000;
    private static final double Z_MAX = 5.0;

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.5, 2.0, 10.0, -2.0})
    void momentsMatchClosedForm(double c) {
        RngKey key = new RngKey(20240601L, 0);
        RngStream rng = new RngStream(key);
        double[] x = new double[DRAWS];
        double sum = 0;
        for (int i = 0; i < DRAWS; i++) {
            x[i] = PolyaGamma.draw(rng.reset(i, 1, 7), c);
            assertTrue(x[i] > 0 && Double.isFinite(x[i]));
            sum += x[i];
        }
        double mean = sum / DRAWS;
        double m2 = 0;
        double m4 = 0;
        for (double v : x) {
            double e = v - mean;
            m2 += e * e;
            m4 += e * e * e * e;
        }
        double var = m2 / (DRAWS - 1);
        m4 /= DRAWS;
        double trueMean = PolyaGamma.mean(c);
        double trueVar = PolyaGamma.variance(c);
        double seMean = Math.sqrt(trueVar / DRAWS);
        double seVar = Math.sqrt((m4 - var * var) / DRAWS);
        assertEquals(trueMean, mean, Z_MAX * seMean, "mean at c = " + c);
        assertEquals(trueVar, var, Z_MAX * seVar, "variance at c = " + c);
    }

    @Test
    void closedFormsAtZeroAndSymmetry() {
        assertEquals(0.25, PolyaGamma.mean(0.0), 0.0);
        assertEquals(1.0 / 24.0, PolyaGamma.variance(0.0), 0.0);
        // the series branch and the exact formula agree where they meet
        assertEquals(PolyaGamma.mean(1e-6), Math.tanh(0.5e-6) / 2e-6, 1e-12);
        assertEquals(PolyaGamma.variance(1.0001e-3), PolyaGamma.variance(0.9999e-3), 1e-9);
        assertEquals(PolyaGamma.mean(3.0), PolyaGamma.mean(-3.0), 0.0);
    }

    @Test
    void logPhiIsAccurateInBothTails() {
        assertEquals(Math.log(0.5), PolyaGamma.logPhi(0.0), 1e-15);
        // against an independent erfc (commons-math3's, by the incomplete gamma function) where both work
        for (double x = -30; x <= 8; x += 0.37) {
            double viaErfc = Math.log(0.5 * Erf.erfc(-x / Math.sqrt(2.0)));
            assertEquals(viaErfc, PolyaGamma.logPhi(x), 1e-12 * Math.max(1.0, Math.abs(viaErfc)), "x = " + x);
        }
        // continuity at 0, where the method switches
        assertEquals(PolyaGamma.logPhi(-1e-300), PolyaGamma.logPhi(0.0), 1e-15);
        // far tail: Phi(-40) = 3.6558935409150e-350 is below double range; its log is not
        assertEquals(Math.log(3.6558935409150) - 350 * Math.log(10), PolyaGamma.logPhi(-40.0), 1e-9);
        assertTrue(Double.isFinite(PolyaGamma.logPhi(-1e4)));
    }

    /**
     * The proposal's mixing probability against the textbook log-space form with an independent erfc
     * (commons-math3's, by the incomplete gamma function), over the whole range where it is not 0.
     */
    @Test
    void proposalMassMatchesTheLogSpaceReference() {
        double t = PolyaGamma.TRUNC;
        for (double z = 0; z < 60; z += 0.173) {
            double fz = Math.PI * Math.PI / 8 + 0.5 * z * z;
            double b = (t * z - 1) / Math.sqrt(t);
            double a = -(t * z + 1) / Math.sqrt(t);
            double xb = Math.log(fz) + fz * t - z + Math.log(0.5 * Erf.erfc(-b / Math.sqrt(2)));
            double xa = Math.log(fz) + fz * t + z + Math.log(0.5 * Erf.erfc(-a / Math.sqrt(2)));
            double hi = Math.max(xa, xb);
            double logQ = Math.log(4 / Math.PI) + hi + Math.log(Math.exp(xa - hi) + Math.exp(xb - hi));
            double reference = 1 / (1 + Math.exp(logQ));
            double mass = PolyaGamma.massTruncatedExponential(z, fz);
            assertTrue(mass >= 0 && mass <= 1);
            assertEquals(reference, mass, 1e-11 * reference, "z = " + z);
        }
        // z = 0 in closed form: p = (pi/2) exp(-fz t) / fz, q = 2 erfc(1 / sqrt(2t)) (the Levy law's mass below t)
        double t0 = Math.PI * Math.PI / 8;
        double p0 = 0.5 * Math.PI * Math.exp(-t0 * t) / t0;
        double q0 = 2 * Erf.erfc(1 / Math.sqrt(2 * t));
        assertEquals(p0 / (p0 + q0), PolyaGamma.massTruncatedExponential(0, t0), 1e-13);
    }

    @Test
    void seriesCoefficientsMatchTheirDefinition() {
        for (int n = 0; n < 6; n++) {
            double k = (n + 0.5) * Math.PI;
            for (double x : new double[] {1e-3, 0.05, 0.3, 0.64, 0.65, 1.0, 3.0}) {
                double expected = x > PolyaGamma.TRUNC
                        ? k * Math.exp(-k * k * x / 2)
                        : Math.pow(2 / (Math.PI * x), 1.5) * k * Math.exp(-2 * (n + 0.5) * (n + 0.5) / x);
                assertEquals(expected, PolyaGamma.coefficient(n, x), 1e-12 * Math.max(expected, 1e-300));
            }
            assertEquals(0.0, PolyaGamma.coefficient(n, 1e-300), 0.0);
        }
    }

    @Test
    void hugeArgumentsGiveFiniteDraws() {
        RngStream rng = new RngStream(new RngKey(3, 0));
        for (double c : new double[] {50, 300, 1e4, -1e4}) {
            for (int i = 0; i < 1000; i++) {
                double w = PolyaGamma.draw(rng.reset(i, 0, 0), c);
                assertTrue(w > 0 && Double.isFinite(w), "c = " + c + " gave " + w);
            }
        }
    }
}
