package bmoe.analysis;

import bmoe.model.Params;

/**
 * Boundary checks shared by the losses. {@link Params} checks only the counts of gates, experts and
 * variances, so ragged rows, non-finite entries and non-positive variances are caught here, once, with a
 * message that names which parameter set is at fault.
 */
final class ParamsChecks {
    private ParamsChecks() {}

    /** Both parameter sets well formed and of the same dimension d (their K may differ). */
    static void comparable(Params truth, Params fitted) {
        wellFormed(truth, "true");
        wellFormed(fitted, "fitted");
        if (truth.dim() != fitted.dim()) {
            throw new IllegalArgumentException("true parameters have d = " + truth.dim()
                    + " but fitted parameters have d = " + fitted.dim());
        }
    }

    static void wellFormed(Params params, String which) {
        if (params == null) {
            throw new IllegalArgumentException(which + " parameters are missing");
        }
        int d = params.dim();
        for (int k = 0; k < params.experts(); k++) {
            if (params.beta()[k].length != d || (k < params.experts() - 1 && params.w()[k].length != d)) {
                throw new IllegalArgumentException(which + " parameters: expert " + (k + 1)
                        + " has a gate or coefficient vector of length other than d = " + d);
            }
            if (!allFinite(params.beta()[k]) || (k < params.experts() - 1 && !allFinite(params.w()[k]))) {
                throw new IllegalArgumentException(which + " parameters: expert " + (k + 1)
                        + " has a NaN or infinite gate or coefficient");
            }
            double s2 = params.s2()[k];
            if (!(s2 > 0) || Double.isInfinite(s2)) {
                throw new IllegalArgumentException(which + " parameters: expert " + (k + 1)
                        + " has variance " + s2 + ", but it must be positive and finite");
            }
        }
    }

    static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
