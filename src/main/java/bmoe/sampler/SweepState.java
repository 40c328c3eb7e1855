package bmoe.sampler;

import bmoe.model.Params;

/**
 * What the next sweep needs: the parameters, the number of the last completed sweep (0 = initial), the
 * collapsed gate move's step size and its frozen metric (both unused by the Polya-Gamma sweep), and the
 * noise prior's scale b0.
 *
 * @param frozenMetric the gate move's fixed metric G + I / s_w^2 (D x D), or null while it is the Fisher
 *     metric at each point
 * @param sigmaScale b0, the inverse-gamma scale of the experts' variances, when the priors sample it (NaN when
 *     they fix it)
 * @param gateSd s_w, the gates' prior sd, when the priors sample it (NaN when they fix it)
 * @param joint the joint move's tuning once its mass matrix is fixed, else null (the sweep then makes no joint move)
 */
public record SweepState(Params params, int sweep, StepSize stepSize, double[][] frozenMetric, double sigmaScale,
                         double gateSd, JointState joint) {
    public SweepState(Params params, int sweep, StepSize stepSize, double[][] frozenMetric, double sigmaScale,
                      double gateSd) {
        this(params, sweep, stepSize, frozenMetric, sigmaScale, gateSd, null);
    }

    public SweepState(Params params, int sweep) {
        this(params, sweep, StepSize.initial(), null, Double.NaN, Double.NaN);
    }

    public SweepState(Params params, int sweep, StepSize stepSize) {
        this(params, sweep, stepSize, null, Double.NaN, Double.NaN);
    }

    public SweepState(Params params, int sweep, StepSize stepSize, double[][] frozenMetric) {
        this(params, sweep, stepSize, frozenMetric, Double.NaN, Double.NaN);
    }

    public SweepState withParams(Params next) {
        return new SweepState(next, sweep, stepSize, frozenMetric, sigmaScale, gateSd, joint);
    }

    public SweepState withStepSize(StepSize next) {
        return new SweepState(params, sweep, next, frozenMetric, sigmaScale, gateSd, joint);
    }

    public SweepState withFrozenMetric(double[][] metric) {
        return new SweepState(params, sweep, stepSize, metric, sigmaScale, gateSd, joint);
    }

    public SweepState withSigmaScale(double b0) {
        return new SweepState(params, sweep, stepSize, frozenMetric, b0, gateSd, joint);
    }

    public SweepState withGateSd(double sw) {
        return new SweepState(params, sweep, stepSize, frozenMetric, sigmaScale, sw, joint);
    }

    public SweepState withJoint(JointState next) {
        return new SweepState(params, sweep, stepSize, frozenMetric, sigmaScale, gateSd, next);
    }
}
