package bmoe.io;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Which columns a fit's x are: one rule for bmoe's reader and for readers elsewhere (bmoe-spark's). */
public final class Covariates {
    private Covariates() {}

    /**
     * A fit's x columns: --x in its order ({@code xNames}), else every column but y and those without a name (R's
     * and pandas' row names or index).
     */
    public static List<String> of(List<String> columns, String yName, List<String> xNames) {
        List<String> xs = new ArrayList<>();
        if (xNames == null || xNames.isEmpty()) {
            for (String h : columns) {
                if (!h.equals(yName) && !h.isEmpty()) {
                    xs.add(h);
                }
            }
        } else {
            Set<String> seen = new HashSet<>();
            for (String name : xNames) {
                String n = name.strip();
                if (!seen.add(n)) {
                    throw new UserError("--x names column '" + n + "' twice");
                }
                if (n.equals(yName)) {
                    throw new UserError("column '" + n + "' is both the response and a covariate");
                }
                xs.add(n);
            }
        }
        return xs;
    }

}
