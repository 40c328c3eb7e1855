package bmoe.backend;

import bmoe.rng.RngKey;
import java.util.List;

/**
 * A backend whose kernels are written for several chains at once (the cpu, OpenCL, CUDA and Spark backends): it
 * implements {@link #allocateAll}, {@link #gateGradientAll} and {@link #gateStatsAll}, and one chain's call is a
 * batch of one, so the single-call and the batched paths are the same code and give the same bits.
 */
public interface BatchedBackend extends Backend {
    @Override
    List<Outcome<Allocation>> allocateAll(List<AllocateCall> calls);

    @Override
    List<Outcome<GateGradient>> gateGradientAll(List<GradientCall> calls);

    @Override
    List<Outcome<GateStats>> gateStatsAll(List<GateStatsCall> calls);

    @Override
    default Allocation allocate(Workspace ws, ParamsBlock params, RngKey key, int sweep) {
        return allocateAll(List.of(new AllocateCall(ws, params, key, sweep))).get(0).get();
    }

    @Override
    default GateGradient gateGradient(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric) {
        return gateGradientAll(List.of(new GradientCall(ws, params, referenceGates, metric))).get(0).get();
    }

    @Override
    default GateStats gateStats(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep) {
        return gateStatsAll(List.of(new GateStatsCall(ws, params, gate, key, sweep))).get(0).get();
    }
}
