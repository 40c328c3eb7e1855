package bmoe.io;

import bmoe.model.Params;
import bmoe.sampler.Acceptance;
import bmoe.sampler.ChainState;
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
        StepSize step = state.stepSize();
        ObjectNode gate = root.putObject("gate_move");
        gate.put("log_step", Double.toHexString(step.logEps()));
        gate.put("log_step_bar", Double.toHexString(step.logEpsBar()));
        gate.put("h_bar", Double.toHexString(step.hBar()));
        gate.put("adaptations", step.adaptations());
        gate.put("frozen", step.frozen());
        Acceptance acc = state.acceptance();
        gate.put("proposed", acc.proposed());
        gate.put("accepted", acc.accepted());
        gate.put("sum_accept_prob", Double.toHexString(acc.sumAcceptProb()));
        if (state.frozenMetric() == null) {
            gate.putNull("frozen_metric");
        } else {
            matrix(gate.putArray("frozen_metric"), state.frozenMetric());
        }
        // the birth-or-death move's record (NONE, and not read back, when K is fixed)
        Acceptance moves = state.expertMoves();
        ObjectNode count = root.putObject("expert_count_move");
        count.put("proposed", moves.proposed());
        count.put("accepted", moves.accepted());
        count.put("sum_accept_prob", Double.toHexString(moves.sumAcceptProb()));
        Json.write(file, root);
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
            StepSize step = new StepSize(hex(gate, "log_step"), hex(gate, "log_step_bar"), hex(gate, "h_bar"),
                    integer(gate, "adaptations"), gate.path("frozen").asBoolean());
            Acceptance acc = new Acceptance(gate.path("proposed").asLong(-1), gate.path("accepted").asLong(-1),
                    hex(gate, "sum_accept_prob"));
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
            if (cfg.variableExperts()) {
                JsonNode m = root.path("expert_count_move");
                require(m.isObject(), "no expert_count_move, which a run whose K is a parameter has");
                moves = new Acceptance(m.path("proposed").asLong(-1), m.path("accepted").asLong(-1),
                        hex(m, "sum_accept_prob"));
            }
            return new Checkpoint(new ChainState(p, sweep, clamped, step, acc, metric, b0, sw, moves), kept, bytes);
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
