package bmoe.sampler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.RngKey;
import bmoe.sim.Preset;
import bmoe.sim.Simulator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The birth library has an anchor near every true expert of wide7 (p = 7, K* = 4), where the clusters of (x, y)
 * follow no expert's region: the EM-fitted anchors supply them. Before them, births from a chain short of experts
 * there were never accepted (bench/EXPERTS.md).
 */
class BirthProposalTest {
    @Test
    void everyTrueExpertOfWide7HasAnAnchorNearIt() {
        Simulator.Sample s = Simulator.simulate(Preset.WIDE7.truth(), -1, 1, 2000, 1);
        Dataset data = Dataset.fromColumns(s.xColumns(), s.y(), Preset.WIDE7.xNames(), "y", true);
        Params truth = data.scaling().toStandardized(Preset.WIDE7.truth());
        List<double[]> betas = BirthProposal.build(data, 6, Priors.DEFAULT, new RngKey(1, 0)).anchorBetas();
        for (int k = 0; k < truth.experts(); k++) {
            double nearest = Double.POSITIVE_INFINITY;
            for (double[] b : betas) {
                double worst = 0;
                for (int j = 0; j < b.length; j++) {
                    worst = Math.max(worst, Math.abs(b[j] - truth.beta()[k][j]));
                }
                nearest = Math.min(nearest, worst);
            }
            System.out.printf("wide7 expert %d: nearest anchor's largest coefficient error %.3f (standardised)%n", k + 1,
                    nearest);
            assertTrue(nearest < 0.1, "no anchor near expert " + (k + 1) + ": " + nearest);
        }
    }
}
