package bmoe.cli;

import bmoe.io.DrawsFile;
import bmoe.sampler.RunConfig;
import java.util.Map;

/**
 * What to try when a run's label-invariant quantities have R-hat or ESS warnings, from the run's configuration
 * lines (draws.csv's {@code #} lines, so {@code fit} and {@code summary} say the same). A warning alone leaves a
 * user guessing; the remedies differ by run: a fixed-K run without the joint move of gates and experts is
 * usually limited by the experts' lines, which the Gibbs steps move only given the allocations (bench/RESULTS.md,
 * "Real data": mcycle's largest R-hat 1.29 without it, at most 1.007 with 128 steps), while a run that has it, or
 * a run whose K is a parameter, needs longer chains.
 */
final class MixingAdvice {
    private MixingAdvice() {
    }

    /** The advice for a run with these configuration lines; null where the lines do not say enough. */
    static String of(Map<String, String> config) {
        String draws = config.get("draws");
        String longer = "longer chains (--draws " + (draws == null ? "N" : longerDraws(draws)) + ")";
        if (config.containsKey(DrawsFile.EXPERTS_PRIOR)) {
            return "run " + longer + " and warm-up (--warmup): K changes only by its moves between K and K + 1, and "
                    + "'bmoe experts --run RUN' gives R-hat and ESS of K";
        }
        int experts = integer(config.get("experts"));
        if (experts == 1) {
            return "run " + longer;
        }
        int joint = integer(config.get("joint_steps"));
        if (joint < 0 || experts < 0) {
            return "run " + longer;
        }
        boolean mala = "mala".equals(config.get("gates"));
        if (joint == 0) {
            String move = (mala ? "" : "--gates mala ") + "--joint-steps 64";
            return "add the joint move of gates and experts (" + move + ": about 64 more passes over the data a "
                    + "sweep; --joint-steps auto takes it only up to n = "
                    + FitCommand.AUTO_JOINT_ROWS / FitCommand.AUTO_JOINT_MIN_STEPS + "), or run " + longer;
        }
        if (joint < FitCommand.AUTO_JOINT_MAX_STEPS) {
            return "lengthen the joint move's trajectories (--joint-steps " + Math.min(2 * joint,
                    RunConfig.MAX_JOINT_STEPS) + "), or run " + longer;
        }
        return "run " + longer;
    }

    private static String longerDraws(String draws) {
        int d = integer(draws);
        return d > 0 ? Integer.toString(4 * d) : "N";
    }

    /** The integer of a configuration line, or -1 where it is missing or not one. */
    private static int integer(String v) {
        if (v == null) {
            return -1;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
