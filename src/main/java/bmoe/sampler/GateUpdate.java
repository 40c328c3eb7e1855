package bmoe.sampler;

import bmoe.model.Priors;
import bmoe.rng.RngStream;

/**
 * Step 3 of the sweep, one gate: given the Polya-Gamma weighted sums from kernel (c),
 * <pre>
 *   V = (sum omega x~ x~' + I / s_w^2)^-1,  m = V sum x~ (kappa + omega C),  w_k ~ N(m, V)
 * </pre>
 * (Polson, Scott and Windle 2013, with the Holmes and Held 2006 offset C for the softmax).
 */
public final class GateUpdate {
    private GateUpdate() {}

    public static double[] draw(double[][] weightedGram, double[] weightedResponse, Priors priors, RngStream rng) {
        int d = weightedResponse.length;
        double[][] precision = new double[d][d];
        double ridge = 1.0 / (priors.gateSd() * priors.gateSd());
        for (int a = 0; a < d; a++) {
            precision[a] = weightedGram[a].clone();
            precision[a][a] += ridge;
        }
        return Mvn.draw(Mvn.canonical(precision, weightedResponse), 1.0, rng);
    }
}
