package bmoe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The prior on K against its closed forms. */
class ExpertsPriorTest {
    @Test
    void poissonIsTheTruncatedPoissonOfKMinusOne() {
        ExpertsPrior prior = ExpertsPrior.parse("poisson:1.5", 4);
        double[] pmf = new double[4];
        double total = 0;
        for (int m = 0; m < 4; m++) { // P(K - 1 = m) = e^-L L^m / m!
            pmf[m] = Math.exp(-1.5) * Math.pow(1.5, m) / new double[] {1, 1, 2, 6}[m];
            total += pmf[m];
        }
        double[] p = prior.probabilities();
        for (int k = 1; k <= 4; k++) {
            assertEquals(pmf[k - 1] / total, p[k - 1], 1e-15);
        }
        assertEquals(Math.log(1.5 / 2), prior.logMass(3) - prior.logMass(2), 1e-15);
        assertEquals(Double.NEGATIVE_INFINITY, prior.logMass(5));
        assertEquals(Double.NEGATIVE_INFINITY, prior.logMass(0));
    }

    @Test
    void geometricAndUniform() {
        double[] g = ExpertsPrior.parse("geometric:0.25", 3).probabilities();
        double z = 0.25 + 0.25 * 0.75 + 0.25 * 0.75 * 0.75;
        assertEquals(0.25 / z, g[0], 1e-15);
        assertEquals(0.25 * 0.75 * 0.75 / z, g[2], 1e-15);
        double[] only = ExpertsPrior.parse("geometric:1", 3).probabilities();
        assertEquals(1.0, only[0]);
        assertEquals(0.0, only[1]);
        double[] u = ExpertsPrior.parse("UNIFORM", 5).probabilities();
        for (double v : u) {
            assertEquals(0.2, v, 1e-15);
        }
        assertEquals("poisson:1.0", ExpertsPrior.parse("poisson:1", 3).spec());
    }

    @Test
    void badSpecsNameTheOption() {
        for (String bad : new String[] {"poisson", "poisson:0", "geometric:0", "geometric:2", "uniform:1", "dirichlet:1",
                "poisson:abc"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExpertsPrior.parse(bad, 3),
                    bad);
            assertEquals(true, e.getMessage().startsWith("experts-prior"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ExpertsPrior.parse("uniform", 0));
        assertThrows(IllegalArgumentException.class, () -> ExpertsPrior.parse("uniform", 128));
    }
}
