package bmoe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java API example, exactly as the README has it: compiled against the build's classes and run. It
 * must print a converged log-likelihood and E[y | x = 0.8] near the truth of the neurips23 preset: there the gate
 * logit -8 + 25 x = 12 gives the first expert all but e^-12 of the weight, so E[y|x] = 15 - 20 x = -1. The
 * tolerance 0.5 is several posterior sd (about 0.03 at n = 2000) plus the Monte Carlo error.
 */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleCompilesAndRuns() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has no ```java block");
        Path source = dir.resolve("Example.java");
        Files.writeString(source, m.group(1));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-classpath", System.getProperty("java.class.path"), "-d",
                dir.toString(), source.toString());
        assertEquals(0, rc, () -> "the README example does not compile: " + diagnostics);

        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("Example").getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), () -> "printed: " + lines);
        Matcher ll = Pattern.compile("log_lik (-?[0-9.]+), R-hat ([0-9.]+), ESS ([0-9]+)").matcher(lines.get(0));
        assertTrue(ll.matches(), lines.get(0));
        assertTrue(Double.parseDouble(ll.group(2)) < 1.05, "R-hat: " + lines.get(0));
        Matcher e = Pattern.compile("E\\[y\\|x=0.8\\] = (-?[0-9.]+)").matcher(lines.get(1));
        assertTrue(e.matches(), lines.get(1));
        assertEquals(-1.0, Double.parseDouble(e.group(1)), 0.5, lines.get(1));
    }
}
