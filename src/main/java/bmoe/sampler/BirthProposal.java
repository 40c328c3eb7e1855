package bmoe.sampler;

import bmoe.backend.ExpertStats;
import bmoe.backend.cpu.CpuKernels;
import bmoe.model.Dataset;
import bmoe.model.Params;
import bmoe.model.Priors;
import bmoe.rng.Draws;
import bmoe.rng.RngKey;
import bmoe.rng.RngStream;
import bmoe.rng.Step;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Where {@link ExpertCountMove} proposes a new expert u = (v, beta, s2): v its gate against the current reference
 * expert, beta its coefficients, s2 its variance. A birth drawn from the prior alone is almost never accepted at
 * large n (a random line through the data lowers the likelihood by far more than the prior ratio can repay), so
 * the proposal is a mixture, built once from the data before the chain runs:
 * <pre>
 *   q(u | theta) = rho p0(u) + (1 - rho) / M sum_a q_a(u | theta)
 *   q_a:  s2 ~ LogNormal(log s2_a, tau_s^2),  beta ~ N(beta_a, c^2 s2_a P_a^-1),
 *         v  ~ N(gamma_a + l_a(theta), tau_w^2 I)
 * </pre>
 * The anchors a are the clusters of k-means++ on (x, y) of a subsample, at every number of clusters from 1 to the
 * largest K: beta_a and P_a are the cluster's ridge regression (its posterior mean and precision under the
 * experts' prior), s2_a its inverse-gamma mode; gamma_a is the cluster's linear discriminant against the rest of
 * the subsample (total covariance of x), so sigma(gamma_a' x~) is about the probability that x belongs to the
 * cluster. Beside them, at every number of clusters from 2, the experts of a mixture of experts fitted to the
 * subsample by EM from those clusters ({@link #fitted}): their weighted ridge regressions, and as gamma_a each
 * one's fitted gate less the tangent of the others' log-sum-exp at its mean x (M anchors in all). l_a(theta) linearises the log-sum-exp of the current gate logits at the cluster's mean
 * x~_a: l_a = sum_k pi_k(x_a) v_k + (LSE(x_a) - sum_k pi_k(x_a) v_k' x~_a) e_0, so that the newborn's gate
 * probability sigma(v' x~ - LSE(x)) is near sigma(gamma_a' x~) around the cluster whatever the other gates are.
 * p0 is the prior (v ~ N(0, s_w^2 I), s2 ~ InvGamma(a0, b0), beta | s2 ~ N(0, s2 s_b^2 I)), a defensive part with
 * weight rho so that the reverse of every death has a density bounded below by rho times the prior's.
 *
 * <p>Exactness: the anchors depend on the data only (drawn once from the chain's key, stream (0, 0, BIRTH_LIBRARY)),
 * and q depends on the current state only through the experts that stay, so the death move can evaluate the
 * density of the birth that would undo it.
 */
public final class BirthProposal {
    /**
     * Weight of the prior in the mixture. An expert that holds no data (its gate gives it no mass, its beta and s2
     * are then draws from the prior) dies with probability about rho p(K-1)/p(K), since q at it is about rho times
     * the prior; 0.3 against 0.1 tripled the ESS of K on neurips23 (n = 2000, poisson:1, KMAX = 6: bulk ESS 167
     * against 62 over 4 x 1000 draws) for births from the prior that are mostly rejected (each two passes).
     */
    static final double PRIOR_WEIGHT = 0.3;
    /** sd of log s2 around an anchor's. */
    static final double LOG_S2_SD = 0.5;
    /** Scale of the anchor's coefficient sd (its posterior sd times this). */
    static final double BETA_INFLATION = 2.0;
    /** sd of each gate coefficient around the anchor's discriminant. */
    static final double GATE_SD = 0.5;
    /** Anchors at cluster counts 1..min(largest K, this). */
    static final int MAX_CLUSTERS = 8;

    /** One cluster's candidate expert. */
    record Anchor(double[] beta, Mvn.Canonical betaShape, double betaScale, double logS2, double[] gate,
                  double[] centre) {}

    /** Floor of an expert's gate mass in the death weights 1 / (mass + floor). */
    static final double DEATH_FLOOR = 0.01;

    private final List<Anchor> anchors;
    /** The subsample's x~ rows (intercept first), over which {@link #deathProbabilities} averages gate masses. */
    private final double[][] rows;

    private BirthProposal(List<Anchor> anchors, double[][] rows) {
        this.anchors = anchors;
        this.rows = rows;
    }

    /** Number of anchors M. */
    public int size() {
        return anchors.size();
    }

    /** The anchors' coefficients beta_a, in library order (the k-means anchors of each cluster count, then EM's). */
    List<double[]> anchorBetas() {
        return anchors.stream().map(Anchor::beta).toList();
    }

    /** The library for data {@code data} and a chain whose K goes up to {@code maxExperts}. */
    public static BirthProposal build(Dataset data, int maxExperts, Priors priors, RngKey key) {
        RngStream rng = key.stream(0, 0, Step.BIRTH_LIBRARY);
        Initializer.Subsample sub = Initializer.Subsample.draw(data, rng);
        int m = sub.size();
        int p = data.p();
        int d = p + 1;
        double[] mean = new double[p];
        for (int s = 0; s < m; s++) {
            for (int j = 0; j < p; j++) {
                mean[j] += sub.x()[s * p + j] / (double) m;
            }
        }
        double[][] cov = new double[p][p];
        for (int s = 0; s < m; s++) {
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < p; b++) {
                    cov[a][b] += (sub.x()[s * p + a] - mean[a]) * (sub.x()[s * p + b] - mean[b]) / m;
                }
            }
        }
        for (int a = 0; a < p; a++) {
            cov[a][a] += 1e-3 * (1 + cov[a][a]); // a constant column stays solvable
        }
        Mvn.Canonical whole = p > 0 ? Mvn.canonical(cov, new double[p]) : null;

        List<Anchor> anchors = new ArrayList<>();
        int largest = Math.max(1, Math.min(maxExperts, MAX_CLUSTERS));
        double[] row = new double[d];
        row[0] = 1.0;
        for (int c = 1; c <= largest; c++) {
            byte[] z = Initializer.cluster(sub.rows(), c, rng);
            double[] stats = new double[c * ExpertStats.stride(d)];
            double[][] xSum = new double[c][p];
            for (int s = 0; s < m; s++) {
                for (int j = 0; j < p; j++) {
                    row[j + 1] = sub.x()[s * p + j];
                    xSum[z[s]][j] += row[j + 1];
                }
                CpuKernels.addExpertRow(row, sub.y()[s], z[s], stats);
            }
            ExpertStats es = new ExpertStats(c, d, stats);
            for (int a = 0; a < c; a++) {
                double count = es.count(a);
                if (count < 1) {
                    continue;
                }
                ExpertUpdate.Posterior post = ExpertUpdate.posterior(count, es.gram(a), es.crossProduct(a),
                        es.sumSquares(a), priors);
                double s2 = Math.max(Initializer.MIN_S2, post.scale() / (post.shape() + 1.0));
                double[] centre = new double[d];
                centre[0] = 1.0;
                double[] rest = new double[p];
                for (int j = 0; j < p; j++) {
                    centre[j + 1] = xSum[a][j] / count;
                    rest[j] = count < m ? (mean[j] * m - xSum[a][j]) / (m - count) : centre[j + 1];
                }
                double[] gate = discriminant(whole, centre, rest, count, m, p);
                anchors.add(new Anchor(post.mean(), post.canonical(), BETA_INFLATION * BETA_INFLATION * s2,
                        Math.log(s2), gate, centre));
            }
            if (c >= 2 && m >= MIN_FIT_ROWS) {
                anchors.addAll(fitted(rowsOf(sub), sub.y(), z, c, priors));
            }
        }
        return new BirthProposal(anchors, rowsOf(sub));
    }

    /** The subsample's x~ rows, intercept first. */
    private static double[][] rowsOf(Initializer.Subsample sub) {
        int m = sub.size();
        int p = sub.x().length / Math.max(1, m);
        double[][] rows = new double[m][p + 1];
        for (int s = 0; s < m; s++) {
            rows[s][0] = 1.0;
            for (int j = 0; j < p; j++) {
                rows[s][j + 1] = sub.x()[s * p + j];
            }
        }
        return rows;
    }

    /**
     * Fewest rows for the fitted anchors: on fewer a fitted mixture is mostly noise, and the library stays cheap to
     * rebuild on tiny data (the Geweke tests rebuild it every iteration on 12 rows; they check the ratio, which is
     * the same whatever anchors the library holds, and BirthProposalTest the fitted anchors).
     */
    static final int MIN_FIT_ROWS = 100;
    /** EM iterations of the fitted anchors. */
    static final int EM_ITERATIONS = 40;
    /** Gradient steps on the gates per EM iteration, and their size (the softmax's Hessian is at most X'X / 2). */
    static final int GATE_STEPS = 3;
    static final double GATE_STEP = 1.0;
    /** Ridge on the fitted gates (per row, so that it fades with the subsample's size). */
    static final double GATE_RIDGE = 1e-2;

    /**
     * Anchors from a mixture of experts fitted to the subsample with {@code c} experts: EM from the k-means
     * clusters {@code z} (responsibilities, each expert's ridge regression under the experts' prior, a few gradient
     * steps of the gates' softmax regression), deterministic. Clusters of (x, y) need not follow the experts'
     * regions (with p = 7, wide7, no k-means anchor's discriminant is one true expert's gate, and births from a
     * chain short of experts were never accepted); the fitted experts and their gates do. Each fitted expert a is an
     * anchor whose gate is its fitted gate minus the tangent, at its responsibility-weighted mean x, of the
     * log-sum-exp of the others' fitted gates, so that on top of a chain's gates (gateMean) the newborn's gate
     * probability there is about what the fit gave it.
     */
    static List<Anchor> fitted(double[][] rows, float[] y, byte[] z, int c, Priors priors) {
        int m = rows.length;
        int d = rows[0].length;
        double[][] r = new double[m][c];
        for (int s = 0; s < m; s++) {
            r[s][z[s]] = 1.0;
        }
        double[][] g = new double[c][d]; // full gates; the last stays 0
        ExpertUpdate.Posterior[] post = new ExpertUpdate.Posterior[c];
        double[] s2 = new double[c];
        double[] eta = new double[c];
        for (int it = 0; it < EM_ITERATIONS; it++) {
            for (int k = 0; k < c; k++) {
                double count = 0;
                double[][] gram = new double[d][d];
                double[] cross = new double[d];
                double ss = 0;
                for (int s = 0; s < m; s++) {
                    double w = r[s][k];
                    count += w;
                    for (int a = 0; a < d; a++) {
                        cross[a] += w * rows[s][a] * y[s];
                        for (int b = 0; b <= a; b++) {
                            gram[a][b] += w * rows[s][a] * rows[s][b];
                        }
                    }
                    ss += w * y[s] * y[s];
                }
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < a; b++) {
                        gram[b][a] = gram[a][b]; // exactly symmetric, as the Cholesky factorisation checks
                    }
                }
                post[k] = ExpertUpdate.posterior(count, gram, cross, ss, priors);
                s2[k] = Math.max(Initializer.MIN_S2, post[k].scale() / (post[k].shape() + 1.0));
            }
            for (int step = 0; step < GATE_STEPS; step++) {
                double[][] grad = new double[c][d];
                for (int s = 0; s < m; s++) {
                    softmax(g, rows[s], eta);
                    for (int k = 0; k < c - 1; k++) {
                        for (int a = 0; a < d; a++) {
                            grad[k][a] += (r[s][k] - eta[k]) * rows[s][a] / m;
                        }
                    }
                }
                for (int k = 0; k < c - 1; k++) {
                    for (int a = 0; a < d; a++) {
                        g[k][a] += GATE_STEP * (grad[k][a] - GATE_RIDGE * g[k][a]);
                    }
                }
            }
            for (int s = 0; s < m; s++) {
                softmax(g, rows[s], eta);
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    double e = y[s] - Params.dot(post[k].mean(), rows[s]);
                    eta[k] = Math.log(Math.max(eta[k], 1e-300)) + logNormal(e, 0, Math.sqrt(s2[k]));
                    max = Math.max(max, eta[k]);
                }
                double total = 0;
                for (int k = 0; k < c; k++) {
                    r[s][k] = Math.exp(eta[k] - max);
                    total += r[s][k];
                }
                for (int k = 0; k < c; k++) {
                    r[s][k] /= total;
                }
            }
        }
        List<Anchor> out = new ArrayList<>();
        for (int k = 0; k < c; k++) {
            double count = 0;
            double[] centre = new double[d];
            for (int s = 0; s < m; s++) {
                count += r[s][k];
                for (int a = 0; a < d; a++) {
                    centre[a] += r[s][k] * rows[s][a];
                }
            }
            if (count < 1) {
                continue;
            }
            for (int a = 0; a < d; a++) {
                centre[a] /= count;
            }
            // the tangent at the centre of LSE over the other experts' gates
            double[] others = new double[c - 1];
            for (int j = 0, o = 0; j < c; j++) {
                if (j != k) {
                    others[o++] = Params.dot(g[j], centre);
                }
            }
            double lse = Params.logSumExp(others, c - 1);
            double[] gate = g[k].clone();
            double offset = lse;
            for (int j = 0, o = 0; j < c; j++) {
                if (j == k) {
                    continue;
                }
                double pi = Math.exp(others[o++] - lse);
                for (int a = 0; a < d; a++) {
                    gate[a] -= pi * g[j][a];
                }
                offset -= pi * Params.dot(g[j], centre);
            }
            gate[0] -= offset;
            out.add(new Anchor(post[k].mean(), post[k].canonical(), BETA_INFLATION * BETA_INFLATION * s2[k],
                    Math.log(s2[k]), gate, centre));
        }
        return out;
    }

    /** The softmax of the full gates {@code g} at {@code row}, into {@code out}. */
    private static void softmax(double[][] g, double[] row, double[] out) {
        int c = g.length;
        for (int k = 0; k < c; k++) {
            out[k] = Params.dot(g[k], row);
        }
        double lse = Params.logSumExp(out, c);
        for (int k = 0; k < c; k++) {
            out[k] = Math.exp(out[k] - lse);
        }
    }

    /**
     * Which expert a death removes: expert k with probability proportional to 1 / (q_k + {@link #DEATH_FLOOR}), q_k
     * its gate probability averaged over the subsample's x, so that an expert the gates give no data is the one
     * proposed for removal (and a birth's ratio counts the same probability of undoing it). A function of the
     * parameters and the fixed subsample only.
     */
    double[] deathProbabilities(Params params) {
        int k = params.experts();
        double[] mass = new double[k];
        double[] eta = new double[k];
        for (double[] row : rows) {
            params.gateLogits(row, eta);
            double lse = Params.logSumExp(eta, k);
            for (int e = 0; e < k; e++) {
                mass[e] += Math.exp(eta[e] - lse) / rows.length;
            }
        }
        double total = 0;
        for (int e = 0; e < k; e++) {
            mass[e] = 1.0 / (mass[e] + DEATH_FLOOR);
            total += mass[e];
        }
        for (int e = 0; e < k; e++) {
            mass[e] /= total;
        }
        return mass;
    }

    /**
     * Fisher's linear discriminant of a cluster of {@code count} of {@code m} rows with mean x {@code centre}
     * (intercept first) against the rest with mean {@code rest}: gamma = Sigma^-1 (mu_a - mu_rest), intercept
     * log(n_a / n_rest) - gamma' (mu_a + mu_rest) / 2. A cluster of all rows gets gamma = 0 (even odds).
     */
    private static double[] discriminant(Mvn.Canonical covariance, double[] centre, double[] rest, double count,
                                         int m, int p) {
        double[] gate = new double[p + 1];
        if (count >= m || covariance == null) {
            return gate;
        }
        double[] diff = new double[p];
        for (int j = 0; j < p; j++) {
            diff[j] = centre[j + 1] - rest[j];
        }
        double[] slope = solve(covariance.lower(), diff);
        double intercept = Math.log(count / (m - count));
        for (int j = 0; j < p; j++) {
            gate[j + 1] = slope[j];
            intercept -= slope[j] * 0.5 * (centre[j + 1] + rest[j]);
        }
        gate[0] = intercept;
        return gate;
    }

    /** Solves (L L') x = b. */
    private static double[] solve(RealMatrix l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int a = 0; a < n; a++) {
            double s = b[a];
            for (int c = 0; c < a; c++) {
                s -= l.getEntry(a, c) * y[c];
            }
            y[a] = s / l.getEntry(a, a);
        }
        double[] x = new double[n];
        for (int a = n - 1; a >= 0; a--) {
            double s = y[a];
            for (int c = a + 1; c < n; c++) {
                s -= l.getEntry(c, a) * x[c];
            }
            x[a] = s / l.getEntry(a, a);
        }
        return x;
    }

    /** A proposed expert: gate v against the current reference, coefficients, variance. */
    public record Newborn(double[] gate, double[] beta, double s2) {}

    /**
     * Draws u from q(. | current), consuming from rng: one uniform for the component, then for the prior one
     * inverse gamma and 2 d normals, for anchor a (one more uniform picks it) one normal, d normals, d normals.
     */
    public Newborn draw(Params current, Priors priors, RngStream rng) {
        int d = current.dim();
        if (rng.uniform() < PRIOR_WEIGHT) {
            double[] gate = new double[d];
            for (int j = 0; j < d; j++) {
                gate[j] = priors.gateSd() * Draws.normal(rng);
            }
            double s2 = Draws.inverseGamma(rng, priors.sigmaShape(), priors.sigmaScale());
            double[] beta = new double[d];
            double sd = priors.expertSd() * Math.sqrt(s2);
            for (int j = 0; j < d; j++) {
                beta[j] = sd * Draws.normal(rng);
            }
            return new Newborn(gate, beta, s2);
        }
        Anchor a = anchors.get(Math.min(anchors.size() - 1, (int) (rng.uniform() * anchors.size())));
        double s2 = Math.exp(a.logS2() + LOG_S2_SD * Draws.normal(rng));
        double[] beta = Mvn.draw(a.betaShape(), a.betaScale(), rng);
        double[] gate = gateMean(a, current);
        for (int j = 0; j < d; j++) {
            gate[j] += GATE_SD * Draws.normal(rng);
        }
        return new Newborn(gate, beta, s2);
    }

    /** log q(u | current), with every normalising constant (the move's dimension changes). */
    public double logDensity(Params current, Priors priors, Newborn u) {
        int d = current.dim();
        double prior = Math.log(PRIOR_WEIGHT) + logPriorDensity(u, priors);
        double[] terms = new double[anchors.size() + 1];
        terms[anchors.size()] = prior;
        double logPick = Math.log1p(-PRIOR_WEIGHT) - Math.log(anchors.size());
        double logS2 = Math.log(u.s2());
        for (int i = 0; i < anchors.size(); i++) {
            Anchor a = anchors.get(i);
            // s2 log-normal: density in s2 of log s2 ~ N(., tau^2) has the 1/s2 Jacobian
            double t = logPick + logNormal(logS2, a.logS2(), LOG_S2_SD) - logS2;
            t += logMvn(u.beta(), a.betaShape(), a.betaScale());
            double[] mean = gateMean(a, current);
            for (int j = 0; j < d; j++) {
                t += logNormal(u.gate()[j], mean[j], GATE_SD);
            }
            terms[i] = t;
        }
        return Params.logSumExp(terms, terms.length);
    }

    /** The prior density p0(u): v ~ N(0, s_w^2 I), s2 ~ InvGamma(a0, b0), beta | s2 ~ N(0, s2 s_b^2 I). */
    static double logPriorDensity(Newborn u, Priors priors) {
        double t = logInverseGamma(u.s2(), priors.sigmaShape(), priors.sigmaScale());
        double sd = priors.expertSd() * Math.sqrt(u.s2());
        for (int j = 0; j < u.beta().length; j++) {
            t += logNormal(u.beta()[j], 0, sd) + logNormal(u.gate()[j], 0, priors.gateSd());
        }
        return t;
    }

    /** gamma_a + l_a(current): the anchor's discriminant on top of the current gates' linearised log-sum-exp. */
    private static double[] gateMean(Anchor a, Params current) {
        int experts = current.experts();
        int d = current.dim();
        double[] eta = new double[experts];
        current.gateLogits(a.centre(), eta);
        double lse = Params.logSumExp(eta, experts);
        double[] mean = a.gate().clone();
        double offset = lse;
        for (int k = 0; k < experts - 1; k++) {
            double pi = Math.exp(eta[k] - lse);
            for (int j = 0; j < d; j++) {
                mean[j] += pi * current.w()[k][j];
            }
            offset -= pi * eta[k];
        }
        mean[0] += offset;
        return mean;
    }

    static double logNormal(double x, double mean, double sd) {
        double r = (x - mean) / sd;
        return -0.5 * r * r - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    }

    static double logInverseGamma(double x, double shape, double scale) {
        return shape * Math.log(scale) - org.apache.commons.math3.special.Gamma.logGamma(shape)
                - (shape + 1) * Math.log(x) - scale / x;
    }

    /** log N(x | m, scale P^-1) with P = L L' from the canonical form. */
    private static double logMvn(double[] x, Mvn.Canonical shape, double scale) {
        RealMatrix l = shape.lower();
        int d = x.length;
        double logDet = 0; // log det(P)^(1/2)
        double quad = 0;
        for (int a = 0; a < d; a++) {
            logDet += Math.log(l.getEntry(a, a));
            double v = 0; // (L' (x - m))_a
            for (int b = a; b < d; b++) {
                v += l.getEntry(b, a) * (x[b] - shape.mean()[b]);
            }
            quad += v * v;
        }
        return logDet - 0.5 * d * Math.log(2 * Math.PI * scale) - quad / (2 * scale);
    }
}
