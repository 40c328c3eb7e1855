package bmoe.cli;

import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.Stats;
import bmoe.io.Table;
import bmoe.model.Params;
import bmoe.sampler.DrawColumns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Posterior of E[y|x] at given points: mean, sd, 5%% and 95%% quantiles over the draws.",
            "When the points file has the response column, also the posterior mean of p(y|x) and its log."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "Run folder written by 'bmoe fit'.")
    Path run;

    @Option(names = "--points", required = true, description = "Points with the fit's x columns (and optionally y): delimited text or Parquet, as fit's --data.")
    Path points;

    @Option(names = "--out", required = true, description = "CSV file to write.")
    Path out;

    @picocli.CommandLine.Mixin
    DataOptions dataOptions = new DataOptions();

    @Override
    public Integer call() {
        AtomicFiles.checkWritable(out);
        DrawsFile.Contents run = DrawsFile.read(this.run);
        Table table = Table.read(points, name -> run.xNames().contains(name) || name.equals(run.yName()),
                dataOptions.dialect());
        List<String> xNames = run.xNames();
        double[][] x = new double[xNames.size()][];
        for (int j = 0; j < x.length; j++) {
            x[j] = table.column(xNames.get(j));
        }
        boolean withY = table.has(run.yName());
        double[] y = withY ? table.column(run.yName()) : null;
        int p = xNames.size();
        List<Params> draws = new ArrayList<>(run.draws().length);
        for (double[] row : run.draws()) {
            draws.add(DrawColumns.unflatten(row, run.experts(), p));
        }
        int m = table.rows();
        double[][] result = new double[m][];
        double[] fx = new double[draws.size()];
        double[] logDens = new double[draws.size()];
        double[] row = new double[p + 1];
        for (int i = 0; i < m; i++) {
            row[0] = 1.0;
            for (int j = 0; j < p; j++) {
                row[j + 1] = x[j][i];
            }
            for (int s = 0; s < draws.size(); s++) {
                fx[s] = draws.get(s).regression(row);
                if (withY) {
                    logDens[s] = draws.get(s).logDensity(row, y[i]);
                }
            }
            Stats st = Stats.of(fx);
            if (withY) {
                // log of the posterior mean density, by log-sum-exp over draws
                double logMean = Params.logSumExp(logDens, logDens.length) - Math.log(logDens.length);
                result[i] = new double[] {st.mean(), st.sd(), st.q5(), st.q95(), Math.exp(logMean), logMean};
            } else {
                result[i] = new double[] {st.mean(), st.sd(), st.q5(), st.q95()};
            }
        }
        List<String> header = new ArrayList<>(xNames);
        if (withY) {
            header.add(run.yName());
        }
        header.addAll(List.of("mean", "sd", "q5", "q95"));
        if (withY) {
            header.addAll(List.of("density", "log_density"));
        }
        AtomicFiles.write(out, w -> {
            w.write(String.join(",", header));
            w.write('\n');
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < m; i++) {
                line.setLength(0);
                for (int j = 0; j < p; j++) {
                    line.append(x[j][i]).append(',');
                }
                if (withY) {
                    line.append(y[i]).append(',');
                }
                for (int c = 0; c < result[i].length; c++) {
                    line.append(c > 0 ? "," : "").append(result[i][c]);
                }
                line.append('\n');
                w.write(line.toString());
            }
        });
        return Main.EXIT_OK;
    }
}
