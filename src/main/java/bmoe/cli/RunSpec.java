package bmoe.cli;

import bmoe.io.UserError;
import bmoe.io.AtomicFiles;
import bmoe.backend.ExternalBackend;
import bmoe.io.DataFingerprint;
import bmoe.io.ExternalData;
import bmoe.io.Dialect;
import bmoe.io.Json;
import bmoe.model.ExpertsPrior;
import bmoe.model.Priors;
import bmoe.sampler.GateMethod;
import bmoe.sampler.GateMetric;
import bmoe.sampler.RunConfig;
import bmoe.sampler.StartSearch;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RUN/run.json: every setting of a fit that its draws depend on, written once when the fit starts, so that
 * {@code fit --resume RUN} can redo exactly that fit. The thread count is not among them (draws do not depend
 * on it), nor anything about timing.
 *
 * @param data the data: an absolute local path, so a resume works from any working folder, or a URI that an
 *     external reader reads (hdfs://, s3a://: bmoe-spark)
 * @param dataAsGiven the data path as it was typed, which draws.csv records (so a resumed run's draws.csv is
 *     the same, byte for byte, as an uninterrupted one's)
 * @param dataSize the data file's length in bytes when the fit started
 * @param dataSha256 its SHA-256, hexadecimal ({@link DataFingerprint})
 * @param x the --x columns as given, or null for "every column but y"
 * @param backend the backend's short name; with the block size, it is part of what defines the draws
 * @param checkpointEvery sweeps between checkpoints (0: none)
 * @param dialect how the data file was read (separator, decimal mark, missing values), so that a resume and
 *     the analysis commands read the same rows
 * @param rowsDropped rows --missing drop left out
 */
record RunSpec(String data, String dataAsGiven, long dataSize, String dataSha256, String y, List<String> x,
               boolean standardize, RunConfig config, String backend, int blockSize, int checkpointEvery,
               Dialect dialect, long rowsDropped) {
    static final String FILE = "run.json";
    private static final String FORMAT = "bmoe run 1";

    RunSpec {
        x = x == null ? null : List.copyOf(x);
    }

    /**
     * Refuses a resume when the data file has changed since the fit started: the draws made so far would
     * belong to other data. The length is compared first, so a changed length fails without reading the file.
     */
    void checkDataUnchanged() {
        boolean uri = ExternalData.isUri(data);
        if (!uri) {
            Path local = Path.of(data);
            if (!Files.isRegularFile(local) && !Files.isDirectory(local)) {
                throw new UserError("data file " + data + " of the run is missing; resume needs the same data");
            }
            if (Files.isRegularFile(local)) {
                try {
                    long size = Files.size(local);
                    if (size != dataSize) {
                        throw changed(dataSize + " bytes then, " + size + " now");
                    }
                } catch (IOException e) {
                    throw new UserError("cannot read data file " + data + ": " + e.getMessage());
                }
            }
        }
        DataFingerprint now = fingerprint(data);
        if (now.size() != dataSize) {
            throw changed(dataSize + " bytes then, " + now.size() + " now");
        }
        if (!now.sha256().equals(dataSha256)) {
            throw changed("same size, other content");
        }
    }

    private UserError changed(String how) {
        return new UserError("data file " + data + " changed since the run started (" + how
                + "); resume needs the same data");
    }

    /**
     * The fingerprint of the data at {@code location}: a local path, or a URI that the installed external reader
     * reads (bmoe-spark's, through Hadoop's file systems).
     */
    static DataFingerprint fingerprint(String location) {
        return ExternalData.isUri(location) ? uriReader(location).fingerprint(location)
                : DataFingerprint.of(Path.of(location));
    }

    /** The installed reader of data at {@code uri}; none is a one-line error that says which engine reads it. */
    static ExternalData uriReader(String uri) {
        if (ExternalBackend.installed() instanceof ExternalData reader && reader.reads(uri)) {
            return reader;
        }
        String scheme = uri.substring(0, uri.indexOf(':'));
        throw new UserError("--data " + uri + ": data on " + scheme + ":// is read by the spark engine only "
                + "(bmoe-spark.jar through spark-submit, or scripts/bmoe fit --engine spark); give a local file or "
                + "folder here");
    }

    void write(Path runFolder) {
        RunConfig c = config;
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("note", "the settings of this fit, for 'bmoe fit --resume'; do not edit");
        ObjectNode d = root.putObject("data");
        d.put("path", data);
        d.put("as_given", dataAsGiven);
        d.put("size", dataSize);
        d.put("sha256", dataSha256);
        d.put("sep", dialect.separatorName());
        d.put("decimal", dialect.decimalName());
        d.put("missing", dialect.missingName());
        d.put("rows_dropped", rowsDropped);
        root.put("y", y);
        if (x == null) {
            root.putNull("x");
        } else {
            x.forEach(root.putArray("x")::add);
        }
        root.put("standardize", standardize);
        root.put("experts", c.experts());
        if (c.variableExperts()) {
            root.put("experts_prior", c.expertsPrior().spec()); // "experts" is then KMAX
        }
        root.put("chains", c.chains());
        root.put("warmup", c.warmup());
        root.put("draws", c.draws());
        root.put("thin", c.thin());
        root.put("seed", c.seed());
        // Jackson writes doubles in Java's shortest round-trip form, so they read back as the same doubles
        root.put("prior_gate_sd", c.priors().gateSd());
        root.put("prior_expert_sd", c.priors().expertSd());
        root.put("prior_sigma_shape", c.priors().sigmaShape());
        root.put("prior_sigma_scale", c.priors().sigmaScale());
        // b0 ~ Gamma(shape, rate) when sampled (prior_sigma_scale is then where b0 starts); 0 and 0 when fixed
        root.put("prior_scale_shape", c.priors().scaleShape());
        root.put("prior_scale_rate", c.priors().scaleRate());
        // s_w^2 ~ InvGamma(shape, scale) when sampled (prior_gate_sd is then where s_w starts); 0 and 0 when fixed
        root.put("prior_gate_var_shape", c.priors().gateVarShape());
        root.put("prior_gate_var_scale", c.priors().gateVarScale());
        root.put("gates", c.gates().cliName());
        root.put("gate_metric", c.gateMetric().cliName());
        root.put("gate_moves", c.gateMoves());
        root.put("joint_steps", c.jointSteps());
        root.put("init_starts", c.init().starts());
        root.put("init_sweeps", c.init().sweeps());
        root.put("init_rows", c.init().rows());
        root.put("backend", backend);
        root.put("block_size", blockSize);
        root.put("checkpoint_every", checkpointEvery);
        AtomicFiles.write(runFolder.resolve(FILE), Json.body(root));
    }

    /** Reads RUN/run.json; a file that is not one gives a one-line error. */
    static RunSpec read(Path runFolder) {
        Path file = runFolder.resolve(FILE);
        try {
            JsonNode root = Json.MAPPER.readTree(file.toFile());
            if (root == null || !FORMAT.equals(root.path("format").asText())) {
                throw new IllegalArgumentException("not a bmoe run file");
            }
            JsonNode d = root.path("data");
            List<String> x = null;
            if (root.path("x").isArray()) {
                x = new ArrayList<>();
                for (JsonNode name : root.path("x")) {
                    x.add(name.asText());
                }
            }
            // run folders written before b0 and s_w could be sampled fixed them
            Priors priors = new Priors(number(root, "prior_gate_sd"), number(root, "prior_expert_sd"),
                    number(root, "prior_sigma_shape"), number(root, "prior_sigma_scale"),
                    root.has("prior_scale_shape") ? number(root, "prior_scale_shape") : 0,
                    root.has("prior_scale_rate") ? number(root, "prior_scale_rate") : 0,
                    root.has("prior_gate_var_shape") ? number(root, "prior_gate_var_shape") : 0,
                    root.has("prior_gate_var_scale") ? number(root, "prior_gate_var_scale") : 0);
            // run folders written before the collapsed gate move existed sampled the gates by Polya-Gamma
            GateMethod gates = root.has("gates") ? GateMethod.parse(text(root, "gates")) : GateMethod.PG;
            GateMetric metric = root.has("gate_metric") ? GateMetric.parse(text(root, "gate_metric")) : GateMetric.FROZEN;
            RunConfig cfg = new RunConfig(integer(root, "experts"), integer(root, "chains"), integer(root, "warmup"),
                    integer(root, "draws"), integer(root, "thin"), root.path("seed").asLong(-1), priors, gates, metric,
                    root.has("gate_moves") ? integer(root, "gate_moves") : 1,
                    // run folders written before the start search existed started each chain once
                    // and before its subsample, searched on all rows
                    root.has("init_starts") ? new StartSearch.Plan(integer(root, "init_starts"),
                            integer(root, "init_sweeps"), root.has("init_rows") ? integer(root, "init_rows") : 0)
                            : StartSearch.Plan.SINGLE,
                    root.has("experts_prior") ? ExpertsPrior.parse(text(root, "experts_prior"), integer(root, "experts"))
                            : null,
                    // run folders written before the joint move existed made none
                    root.has("joint_steps") ? integer(root, "joint_steps") : 0);
            // run folders written before the dialect options existed read plain CSV
            Dialect dialect = Dialect.parse(d.path("sep").asText("auto"), d.path("decimal").asText("."),
                    d.path("missing").asText("fail"));
            int blockSize = integer(root, "block_size");
            int every = integer(root, "checkpoint_every");
            if (blockSize < 1 || every < 0) {
                throw new IllegalArgumentException("bad block_size or checkpoint_every");
            }
            return new RunSpec(text(d, "path"), text(d, "as_given"), d.path("size").asLong(-1),
                    text(d, "sha256"), text(root, "y"), x, root.path("standardize").asBoolean(), cfg,
                    text(root, "backend"), blockSize, every, dialect, d.path("rows_dropped").asLong(0));
        } catch (JsonProcessingException e) {
            throw new UserError("cannot resume from " + file + ": not valid JSON");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + Main.oneLine(e.getMessage()));
        } catch (IllegalArgumentException | UserError e) {
            throw new UserError("cannot resume from " + file + ": " + Main.oneLine(e.getMessage()));
        }
    }

    /**
     * The data file run.json records (absolute), for the analysis commands; empty when the folder has no
     * readable run.json (a run from before run.json existed, say).
     */
    static Optional<Path> recordedData(Path runFolder) {
        Path file = runFolder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode path = Json.MAPPER.readTree(file.toFile()).path("data").path("path");
            return path.isTextual() && !ExternalData.isUri(path.asText()) && Path.of(path.asText()).isAbsolute()
                    ? Optional.of(Path.of(path.asText())) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // then draws.csv's record is all there is
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("no '" + field + "'");
        }
        return v.asText();
    }

    private static int integer(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.canConvertToInt()) {
            throw new IllegalArgumentException("no integer '" + field + "'");
        }
        return v.asInt();
    }

    private static double number(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("no number '" + field + "'");
        }
        return v.asDouble();
    }
}
