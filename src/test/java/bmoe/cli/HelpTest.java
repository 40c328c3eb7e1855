package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every command's --help through the real entry point. picocli reads descriptions as format strings: a lone '%'
 * ("90% band") makes it print "[picocli WARN] Could not format ..." on System.err (not the command line's error
 * stream, so System.err itself is captured here) and show the text unformatted.
 */
class HelpTest {
    static Stream<Arguments> helpCommands() {
        List<String[]> commands = new ArrayList<>();
        commands.add(new String[] {"--help"});
        for (String name : new CommandLine(new Main()).getSubcommands().keySet()) {
            commands.add(new String[] {name, "--help"});
            if (!name.equals("help")) {
                commands.add(new String[] {"help", name});
            }
        }
        return commands.stream().map(args -> Arguments.of((Object) args));
    }

    @ParameterizedTest
    @MethodSource("helpCommands")
    void helpPrintsNoWarnings(String[] args) {
        PrintStream systemErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        CliRun r;
        try (PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setErr(err);
            r = CliRun.of(args);
        } finally {
            System.setErr(systemErr);
        }
        String warnings = captured.toString(StandardCharsets.UTF_8) + r.err();
        assertEquals(0, r.code(), warnings);
        assertFalse(warnings.contains("WARN"), warnings);
        assertEquals("", warnings);
        assertTrue(r.out().contains("Usage: bmoe"), r.out());
        assertFalse(r.out().contains("%%") || r.out().contains("%n"), "format left unformatted: " + r.out());
    }

    /** The escaped '%' reads as one (picocli wraps lines, so white space is evened out first). */
    @Test
    void plotsHelpShowsItsPercentSigns() {
        CliRun r = CliRun.of("plot", "--help");
        String text = r.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("with its 90% band over the data"), r.out());
        assertTrue(text.contains("the 10%, 50% and 90% quantiles of x"), r.out());
    }
}
