package bmoe.cli;

import bmoe.sampler.Acceptance;
import bmoe.sampler.Chain;
import bmoe.sampler.GateMethod;
import bmoe.sampler.RunConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One chain's line of a fit's report: what {@code fit} prints per chain and summary.json's "chains" entry holds,
 * and what {@code summary} reads back from there to print the same line. One class writes, reads and prints it,
 * so the two commands cannot drift apart.
 *
 * @param chain 1-based, as in draws.csv
 * @param meanLogLik mean data log-likelihood over the kept draws, original scale
 * @param gateMove the collapsed gate move's record; null for a Polya-Gamma run (nothing is proposed or
 *     rejected there), for K = 1 (no gates to move) or from a summary.json written before the move existed
 * @param expertCount the birth-or-death move's post-warm-up record when K is a parameter, else null
 * @param jointMove the joint move of gates and experts, as gateMove; null for a run without it
 * @param splitMerge the split-or-merge move's post-warm-up record when K is a parameter, else null (also from a
 *     summary.json written before the move existed)
 */
record ChainReport(int chain, int keptDraws, double meanLogLik, double meanNonEmpty, long clampedResiduals,
                   GateMove gateMove, Acceptance expertCount, GateMove jointMove, Acceptance splitMerge) {

    ChainReport(int chain, int keptDraws, double meanLogLik, double meanNonEmpty, long clampedResiduals,
                GateMove gateMove) {
        this(chain, keptDraws, meanLogLik, meanNonEmpty, clampedResiduals, gateMove, null, null, null);
    }

    ChainReport(int chain, int keptDraws, double meanLogLik, double meanNonEmpty, long clampedResiduals,
                GateMove gateMove, Acceptance expertCount, GateMove jointMove) {
        this(chain, keptDraws, meanLogLik, meanNonEmpty, clampedResiduals, gateMove, expertCount, jointMove, null);
    }

    /**
     * The collapsed gate move after warm-up: the frozen step size and how its proposals fared.
     *
     * @param rate the share of post-warm-up proposals accepted (NaN before any)
     * @param meanAcceptProb their mean acceptance probability (NaN before any)
     */
    record GateMove(double stepSize, double rate, double meanAcceptProb, long proposed, long accepted) {
        static GateMove of(double stepSize, Acceptance a) {
            return new GateMove(stepSize, a.rate(), a.meanAcceptProb(), a.proposed(), a.accepted());
        }

        /** Too few moves accepted for the gates' draws to be trusted (none proposed is not "low": no draws). */
        boolean low() {
            return proposed > 0 && rate < Acceptance.WARN_BELOW;
        }
    }

    static ChainReport of(Chain.Result c, RunConfig cfg) {
        // K = 1 has no gates: whatever a move there counts says nothing about mixing, and must not warn
        GateMove gm = cfg.gates() == GateMethod.MALA && cfg.experts() > 1
                ? GateMove.of(c.stepSize(), c.acceptance()) : null;
        return new ChainReport(c.chain() + 1, c.draws().length, mean(c.logLikelihood()),
                mean(Arrays.stream(c.nonEmpty()).asDoubleStream().toArray()), c.clampedResiduals(), gm,
                cfg.variableExperts() ? c.expertMoves() : null,
                c.last().joint() != null && c.last().joint().tuned() ? GateMove.of(c.last().joint().stepSize().eps(), c.last().joint().acceptance())
                        : null,
                cfg.variableExperts() ? c.splitMerges() : null);
    }

    static List<ChainReport> of(List<Chain.Result> chains, RunConfig cfg) {
        return chains.stream().map(c -> of(c, cfg)).toList();
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    /** The line fit and summary print for this chain. */
    String line() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "chain %d: mean log-likelihood %.2f, mean non-empty experts %.2f", chain, meanLogLik, meanNonEmpty));
        if (clampedResiduals > 0) {
            s.append(", ").append(clampedResiduals).append(" clamped residuals");
        }
        if (gateMove != null) {
            s.append(", ").append(gateLine(gateMove));
        }
        if (jointMove != null) {
            s.append(", ").append(jointLine(jointMove));
        }
        if (expertCount != null) {
            s.append(", K move acceptance ").append(rate(expertCount));
        }
        if (splitMerge != null) {
            s.append(", split/merge acceptance ").append(rate(splitMerge));
        }
        return s.toString();
    }

    /** A K move's post-warm-up acceptance rate to three places (these are rare moves), "-" before any proposal. */
    private static String rate(Acceptance a) {
        return Double.isNaN(a.rate()) ? "-" : String.format(Locale.ROOT, "%.3f", a.rate());
    }

    /** "gate step 0.83, acceptance 0.71": the frozen step size and the post-warm-up share of moves accepted. */
    static String gateLine(GateMove gm) {
        return String.format(Locale.ROOT, "gate step %.2g, acceptance %s", gm.stepSize(),
                Double.isNaN(gm.rate()) ? "-" : String.format(Locale.ROOT, "%.2f", gm.rate()));
    }

    /** "joint step 0.21, acceptance 0.85": the joint move's frozen step size and post-warm-up acceptance. */
    static String jointLine(GateMove jm) {
        return String.format(Locale.ROOT, "joint step %.2g, acceptance %s", jm.stepSize(),
                Double.isNaN(jm.rate()) ? "-" : String.format(Locale.ROOT, "%.2f", jm.rate()));
    }

    /**
     * The warning for chains whose gate move accepted fewer than {@link Acceptance#WARN_BELOW} of its
     * post-warm-up proposals, naming them; empty when there are none.
     */
    static Optional<String> lowAcceptanceWarning(List<ChainReport> chains) {
        List<String> names = new ArrayList<>();
        List<String> rates = new ArrayList<>();
        for (ChainReport c : chains) {
            if (c.gateMove() != null && c.gateMove().low()) {
                names.add(Integer.toString(c.chain()));
                rates.add(String.format(Locale.ROOT, "%.1f%%", 100 * c.gateMove().rate()));
            }
        }
        if (names.isEmpty()) {
            return Optional.empty();
        }
        boolean one = names.size() == 1;
        return Optional.of(String.format(Locale.ROOT, "gate move: %s %s accepted only %s of %s post-warm-up proposals "
                + "(under %.0f%%): the gates barely move, so the draws of the gates and of E[y|x] near the gates' "
                + "transitions are unreliable; refit with a longer --warmup (the step size adapts there) or with "
                + "--gates pg", one ? "chain" : "chains", and(names), and(rates), one ? "its" : "their",
                100 * Acceptance.WARN_BELOW));
    }

    /** "a", "a and b", "a, b and c". */
    private static String and(List<String> items) {
        int n = items.size();
        return n == 1 ? items.get(0) : String.join(", ", items.subList(0, n - 1)) + " and " + items.get(n - 1);
    }

    /** Warnings about the sampler itself, listed before the convergence warnings. */
    static List<String> samplerWarnings(List<ChainReport> chains) {
        return lowAcceptanceWarning(chains).stream().toList();
    }

    /** This chain as summary.json's entry. */
    void addTo(ObjectNode o) {
        o.put("chain", chain);
        o.put("kept_draws", keptDraws);
        number(o, "mean_log_likelihood", meanLogLik); // original scale, as draws.csv's log_lik
        number(o, "mean_nonempty_experts", meanNonEmpty);
        o.put("clamped_residuals", clampedResiduals);
        if (gateMove != null) {
            move(o.putObject("gate_move"), gateMove);
        }
        if (jointMove != null) {
            move(o.putObject("joint_move"), jointMove);
        }
        if (expertCount != null) {
            ObjectNode m = o.putObject("expert_count_move");
            number(m, "acceptance_rate", expertCount.rate());
            number(m, "mean_accept_prob", expertCount.meanAcceptProb());
            m.put("proposed", expertCount.proposed());
            m.put("accepted", expertCount.accepted());
        }
        if (splitMerge != null) {
            ObjectNode m = o.putObject("split_merge_move");
            number(m, "acceptance_rate", splitMerge.rate());
            number(m, "mean_accept_prob", splitMerge.meanAcceptProb());
            m.put("proposed", splitMerge.proposed());
            m.put("accepted", splitMerge.accepted());
        }
    }

    private static void move(ObjectNode g, GateMove move) {
        number(g, "step_size", move.stepSize());
        number(g, "acceptance_rate", move.rate());
        number(g, "mean_accept_prob", move.meanAcceptProb());
        g.put("proposed", move.proposed());
        g.put("accepted", move.accepted());
    }

    /** A move's entry as {@link #move} writes it; null where it is not one. */
    private static GateMove move(JsonNode g) {
        if (!g.path("proposed").canConvertToLong() || !g.path("accepted").canConvertToLong()) {
            return null;
        }
        return new GateMove(number(g, "step_size"), number(g, "acceptance_rate"), number(g, "mean_accept_prob"),
                g.path("proposed").asLong(), g.path("accepted").asLong());
    }

    /** JSON has no NaN: an undefined value (no proposals yet) is null. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    /**
     * summary.json's "chains" entries, or an empty list where there are none or they are not as fit writes them
     * (then summary prints no chain lines rather than wrong ones).
     */
    static List<ChainReport> read(JsonNode chains) {
        if (chains == null || !chains.isArray()) {
            return List.of();
        }
        List<ChainReport> out = new ArrayList<>();
        for (JsonNode c : chains) {
            if (!c.path("chain").canConvertToInt() || !c.path("kept_draws").canConvertToInt()
                    || !c.path("clamped_residuals").canConvertToLong()) {
                return List.of();
            }
            GateMove gm = null;
            JsonNode g = c.path("gate_move");
            if (g.isObject()) {
                gm = move(g);
                if (gm == null) {
                    return List.of();
                }
            }
            GateMove joint = c.path("joint_move").isObject() ? move(c.path("joint_move")) : null;
            out.add(new ChainReport(c.path("chain").asInt(), c.path("kept_draws").asInt(),
                    number(c, "mean_log_likelihood"), number(c, "mean_nonempty_experts"),
                    c.path("clamped_residuals").asLong(), gm, acceptance(c.path("expert_count_move")), joint,
                    acceptance(c.path("split_merge_move"))));
        }
        return out;
    }

    /** A move's record as addTo writes it; null where there is none. */
    private static Acceptance acceptance(JsonNode m) {
        if (!m.isObject()) {
            return null;
        }
        long proposed = m.path("proposed").asLong();
        return new Acceptance(proposed, m.path("accepted").asLong(),
                proposed * (Double.isNaN(number(m, "mean_accept_prob")) ? 0 : number(m, "mean_accept_prob")));
    }

    private static double number(JsonNode o, String key) {
        JsonNode v = o.path(key);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }
}
