package bmoe.io;

import bmoe.model.Params;
import bmoe.sampler.Acceptance;
import bmoe.sampler.ChainState;
import bmoe.sampler.JointMove;
import bmoe.sampler.JointState;
import bmoe.sampler.StepSize;
import bmoe.sampler.RunConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A chain's checkpoint, RUN/checkpoint/chain-N.json: its whole {@link ChainState} and how far its part file
 * had got. Parameters are written as Java hexadecimal floating-point strings ({@link Double#toHexString}),
 * which name every double exactly, so a resumed chain continues from the very bits it stopped at.
 *
 * @param state the chain's state after {@code state.sweep()} sweeps
 * @param keptDraws draws kept (and written to the part file) by then
 * @param partBytes the part file's length by then: exactly its first {@code keptDraws} rows
 */
public record Checkpoint(ChainState state, int keptDraws, long partBytes) {
    static final String FORMAT = "bmoe checkpoint 2";

    public Checkpoint {
        if (keptDraws < 0 || partBytes < 0) {
            throw new IllegalArgumentException("keptDraws and partBytes must be >= 0");
        }
    }

    /** Writes the checkpoint of chain {@code chain} (0-based) under a temporary name, then renames it into place. */
    public void write(Path file, int chain) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("chain", chain + 1);
        root.put("sweep", state.sweep());
        root.put("kept_draws", keptDraws);
        root.put("part_bytes", partBytes);
        root.put("clamped_residuals", state.clampedResiduals());
        ObjectNode params = root.putObject("params");
        params.put("scale", "sampler");
        Params p = state.params();
        matrix(params.putArray("w"), p.w());
        matrix(params.putArray("beta"), p.beta());
        vector(params.putArray("s2"), p.s2());
        // b0 when the priors sample it; "NaN" when they fix it
        params.put("sigma_scale", Double.toHexString(state.sigmaScale()));
        params.put("gate_sd", Double.toHexString(state.gateSd()));
        ObjectNode gate = root.putObject("gate_move");
        stepSize(gate, state.stepSize());
        acceptance(gate, state.acceptance());
        if (state.frozenMetric() == null) {
            gate.putNull("frozen_metric");
        } else {
            matrix(gate.putArray("frozen_metric"), state.frozenMetric());
        }
        // the birth-or-death move's record (NONE, and not read back, when K is fixed)
        acceptance(root.putObject("expert_count_move"), state.expertMoves());
        acceptance(root.putObject("split_merge_move"), state.splitMerges());
        // the joint move's tuning once its mass matrix is fixed (null before, and in runs without the move)
        JointState joint = state.joint();
        if (joint == null) {
            root.putNull("joint_move");
        } else {
            ObjectNode j = root.putObject("joint_move");
            stepSize(j, joint.stepSize());
            acceptance(j, joint.acceptance());
            j.put("window_draws", joint.count());
            vector(j.putArray("window_mean"), joint.mean());
            matrix(j.putArray("window_scatter"), joint.scatter());
            if (joint.covariance() == null) {
                j.putNull("inverse_mass");
            } else {
                matrix(j.putArray("inverse_mass"), joint.covariance());
            }
        }
        Json.write(file, root);
    }

    private static void stepSize(ObjectNode out, StepSize step) {
        out.put("log_step", Double.toHexString(step.logEps()));
        out.put("log_step_bar", Double.toHexString(step.logEpsBar()));
        out.put("h_bar", Double.toHexString(step.hBar()));
        out.put("adaptations", step.adaptations());
        out.put("frozen", step.frozen());
    }

    private static StepSize stepSize(JsonNode in) {
        return new StepSize(hex(in, "log_step"), hex(in, "log_step_bar"), hex(in, "h_bar"), integer(in, "adaptations"),
                in.path("frozen").asBoolean());
    }

    private static void acceptance(ObjectNode out, Acceptance acc) {
        out.put("proposed", acc.proposed());
        out.put("accepted", acc.accepted());
        out.put("sum_accept_prob", Double.toHexString(acc.sumAcceptProb()));
    }

    private static Acceptance acceptance(JsonNode in) {
        return new Acceptance(in.path("proposed").asLong(-1), in.path("accepted").asLong(-1), hex(in, "sum_accept_prob"));
    }

    /**
     * Reads and checks chain {@code chain}'s checkpoint against the run's configuration.
     *
     * @param dim d = p + 1
     * @throws UserError naming the file if it is unreadable or does not fit the run
     */
    public static Checkpoint read(Path file, int chain, RunConfig cfg, int dim) {
        try {
            JsonNode root = Json.MAPPER.readTree(file.toFile());
            require(root != null && FORMAT.equals(root.path("format").asText()), "not a bmoe checkpoint");
            require(root.path("chain").asInt() == chain + 1, "it is chain " + root.path("chain").asInt() + "'s");
            int sweep = integer(root, "sweep");
            require(sweep >= 0 && sweep <= cfg.sweepsPerChain(), "sweep " + sweep + " is outside the run");
            int kept = integer(root, "kept_draws");
            require(kept == cfg.keptThrough(sweep), "kept_draws " + kept + " does not match sweep " + sweep);
            long bytes = root.path("part_bytes").asLong(-1);
            require(bytes >= 0 && (bytes > 0) == (kept > 0), "bad part_bytes");
            long clamped = root.path("clamped_residuals").asLong(-1);
            require(clamped >= 0, "bad clamped_residuals");
            JsonNode params = root.path("params");
            // K is the run's, or when it is a parameter, the chain's at this sweep
            int experts = cfg.variableExperts() ? params.path("beta").size() : cfg.experts();
            require(experts >= 1 && experts <= cfg.experts(), "K = " + experts + " is outside 1.." + cfg.experts());
            Params p = new Params(matrix(params.path("w"), experts - 1, dim), matrix(params.path("beta"), experts, dim),
                    vector(params.path("s2"), experts));
            JsonNode gate = root.path("gate_move");
            require(gate.isObject(), "no gate_move");
            StepSize step = stepSize(gate);
            Acceptance acc = acceptance(gate);
            int free = (experts - 1) * dim;
            JsonNode frozen = gate.path("frozen_metric");
            require(frozen.isMissingNode() || frozen.isNull() || frozen.isArray(), "bad frozen_metric");
            double[][] metric = frozen.isArray() ? matrix(frozen, free, free) : null;
            // written since b0 and s_w can be sampled; absent (fixed) in a checkpoint of an older run
            double b0 = params.has("sigma_scale") ? hex(params, "sigma_scale") : Double.NaN;
            require(!cfg.priors().sigmaScaleSampled() || b0 > 0 && !Double.isInfinite(b0),
                    "no sigma_scale, which the run's priors sample");
            double sw = params.has("gate_sd") ? hex(params, "gate_sd") : Double.NaN;
            require(!cfg.priors().gateSdSampled() || sw > 0 && !Double.isInfinite(sw),
                    "no gate_sd, which the run's priors sample");
            Acceptance moves = Acceptance.NONE;
            Acceptance splits = Acceptance.NONE;
            if (cfg.variableExperts()) {
                JsonNode m = root.path("expert_count_move");
                require(m.isObject(), "no expert_count_move, which a run whose K is a parameter has");
                moves = acceptance(m);
                JsonNode sm = root.path("split_merge_move");
                require(sm.isObject(), "no split_merge_move, which a run whose K is a parameter has");
                splits = acceptance(sm);
            }
            JointState joint = null;
            JsonNode j = root.path("joint_move");
            if (j.isObject()) {
                int size = JointMove.dimension(experts, dim);
                JsonNode inverse = j.path("inverse_mass");
                joint = new JointState(stepSize(j), acceptance(j), integer(j, "window_draws"),
                        vector(j.path("window_mean"), size), matrix(j.path("window_scatter"), size, size),
                        inverse.isArray() ? matrix(inverse, size, size) : null);
            }
            boolean collecting = cfg.jointStartSweep() > 0 && sweep >= cfg.jointWindowStart();
            require(joint == null || collecting, "a joint move's state, which this run does not have by now");
            require(joint != null || !collecting, "no joint_move, which the run has by sweep " + cfg.jointWindowStart());
            require(joint == null || joint.tuned() == (sweep >= cfg.jointStartSweep()),
                    "the joint move's inverse mass matrix is fixed at sweep " + cfg.jointStartSweep());
            return new Checkpoint(new ChainState(p, sweep, clamped, step, acc, metric, b0, sw, moves, joint, splits),
                    kept,
                    bytes);
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof JsonProcessingException ? "not valid JSON" : e.getMessage();
            throw new UserError("damaged checkpoint " + file + " (" + why + "); delete it to rerun that chain from the start");
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what);
        }
    }

    private static int integer(JsonNode root, String field) {
        JsonNode v = root.path(field);
        require(v.canConvertToInt(), "no integer '" + field + "'");
        return v.asInt();
    }

    private static double hex(JsonNode node, String field) {
        JsonNode v = node.path(field);
        require(v.isTextual(), "no hexadecimal '" + field + "'");
        return Double.parseDouble(v.asText());
    }

    private static void matrix(ArrayNode out, double[][] m) {
        for (double[] row : m) {
            vector(out.addArray(), row);
        }
    }

    private static void vector(ArrayNode out, double[] v) {
        for (double x : v) {
            out.add(Double.toHexString(x));
        }
    }

    private static double[][] matrix(JsonNode node, int rows, int cols) {
        require(node.isArray() && node.size() == rows, "expected " + rows + " rows");
        double[][] m = new double[rows][];
        for (int r = 0; r < rows; r++) {
            m[r] = vector(node.get(r), cols);
        }
        return m;
    }

    private static double[] vector(JsonNode node, int size) {
        require(node.isArray() && node.size() == size, "expected " + size + " values");
        double[] v = new double[size];
        for (int j = 0; j < size; j++) {
            require(node.get(j).isTextual(), "values are hexadecimal strings");
            v[j] = Double.parseDouble(node.get(j).asText());
        }
        return v;
    }
}
