package bmoe.cli;

import bmoe.io.AtomicFiles;
import bmoe.io.DrawsFile;
import bmoe.io.FolderLock;
import bmoe.io.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run folder's contents sorted into the files bmoe wrote there and the others, so that a new fit can refuse
 * to write over either, and {@code fit --force} can clear bmoe's files and keep the rest.
 *
 * <p>bmoe's files are known by name: draws.csv, summary.json, run.json, chain-N.part.csv, experts.json, everything
 * in checkpoint/, the PNGs plot names in plots/, the temporaries of {@link AtomicFiles} beside any of them, and the
 * files that criteria, evaluate, predict and plot wrote into the folder under names the user chose with --out,
 * which those commands list in {@value #OUTPUTS}. The lock file ({@link FolderLock}) is neither: it says who uses
 * the folder, not what it holds.
 */
final class RunFiles {
    /** Files the analysis commands wrote into the run folder under names given with --out, one a line. */
    static final String OUTPUTS = ".bmoe-outputs";
    static final String CHECKPOINTS = "checkpoint";
    static final String PLOTS = "plots";
    private static final Pattern PART = Pattern.compile("chain-\\d+\\.part\\.csv");
    /** An {@link AtomicFiles} temporary: "." + the target's name + "." + process id + "." + counter + ".part". */
    private static final Pattern TEMPORARY = Pattern.compile("\\.(.+)\\.\\d+\\.\\d+\\.part");
    /** {@link AtomicFiles#prepareFolder}'s write probe, left behind only by a kill at the wrong moment. */
    private static final Pattern PROBE = Pattern.compile("\\.bmoe-write-test.*\\.tmp");
    /** How the refusal lists files: the ones that say most about a run first. */
    private static final List<String> FIRST = List.of(RunFolder.SUMMARY, DrawsFile.NAME, RunSpec.FILE);

    private RunFiles() {}

    /**
     * What a folder holds, as paths relative to it ('/'-separated; a folder bmoe does not look into is one entry
     * ending in '/').
     *
     * @param bmoe the files bmoe wrote, the most telling first
     * @param foreign everything else, sorted
     * @param folders the folders bmoe looked into (checkpoint/, plots/, those of listed outputs), deepest first:
     *     clearing removes them once they are empty
     */
    record Listing(List<String> bmoe, List<String> foreign, List<String> folders) {
        boolean isEmpty() {
            return bmoe.isEmpty() && foreign.isEmpty();
        }

        /** A run that was stopped before it finished: {@code fit --resume} can finish it. */
        boolean unfinished() {
            return bmoe.contains(RunSpec.FILE) && !bmoe.contains(RunFolder.SUMMARY);
        }
    }

    /** Sorts the folder's contents; reads only. */
    static Listing of(Path dir) {
        Set<String> outputs = outputs(dir);
        List<String> bmoe = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        List<String> folders = new ArrayList<>();
        walk(dir, "", outputs, bmoe, foreign, folders);
        bmoe.sort(Comparator.comparingInt((String name) -> FIRST.contains(name) ? FIRST.indexOf(name) : FIRST.size())
                .thenComparing(Comparator.naturalOrder()));
        foreign.sort(Comparator.naturalOrder());
        folders.sort(Comparator.comparingInt((String name) -> -name.length()));
        return new Listing(List.copyOf(bmoe), List.copyOf(foreign), List.copyOf(folders));
    }

    private static void walk(Path dir, String prefix, Set<String> outputs, List<String> bmoe, List<String> foreign,
                             List<String> folders) {
        Path here = prefix.isEmpty() ? dir : dir.resolve(prefix);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(here)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                String rel = prefix + name;
                if (prefix.isEmpty() && name.equals(FolderLock.NAME)) {
                    continue;
                }
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    if (looksInto(rel, outputs)) {
                        folders.add(rel);
                        walk(dir, rel + "/", outputs, bmoe, foreign, folders);
                    } else {
                        foreign.add(rel + "/");
                    }
                } else if (isBmoes(rel, outputs)) {
                    bmoe.add(rel);
                } else {
                    foreign.add(rel);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + here + ": " + Main.oneLine(e.getMessage()));
        }
    }

    /** The folders where bmoe's files can lie below the run folder. */
    private static boolean looksInto(String rel, Set<String> outputs) {
        return rel.equals(CHECKPOINTS) || rel.equals(PLOTS)
                || outputs.stream().anyMatch(output -> output.startsWith(rel + "/"));
    }

    private static boolean isBmoes(String rel, Set<String> outputs) {
        int slash = rel.lastIndexOf('/');
        String folder = slash < 0 ? "" : rel.substring(0, slash);
        String name = rel.substring(slash + 1);
        Matcher temporary = TEMPORARY.matcher(name);
        if (temporary.matches() && isBmoes(folder.isEmpty() ? temporary.group(1) : folder + "/" + temporary.group(1),
                outputs)) {
            return true;
        }
        if (PROBE.matcher(name).matches() || outputs.contains(rel)) {
            return true;
        }
        return switch (folder) {
            case "" -> name.equals(DrawsFile.NAME) || name.equals(RunFolder.SUMMARY) || name.equals(RunSpec.FILE)
                    || name.equals(OUTPUTS) || name.equals(ExpertsCommand.FILE) || PART.matcher(name).matches();
            case CHECKPOINTS -> true; // RunFolder writes nothing else there, and clears it whole itself
            case PLOTS -> PlotCommand.FILE_NAMES.matcher(name).matches();
            default -> false;
        };
    }

    /**
     * Deletes the listed files of bmoe's, then the folders it looked into that are empty then; the other files
     * stay. summary.json goes first, so that from then on the folder no longer claims to hold a complete run,
     * and the list of outputs last, so that a failure half way leaves every remaining output still listed.
     */
    static void clear(Path dir, Listing listing) {
        List<String> order = new ArrayList<>(listing.bmoe());
        if (order.remove(OUTPUTS)) {
            order.add(OUTPUTS);
        }
        for (String rel : order) {
            delete(dir.resolve(rel));
        }
        for (String rel : listing.folders()) {
            Path folder = dir.resolve(rel);
            if (isEmptyFolder(folder)) {
                delete(folder);
            }
        }
    }

    /**
     * Lists an analysis command's output in the run folder when it lies there under a name the user chose, so
     * that {@code fit --force} knows it for bmoe's. Best effort: the output is already written, and a failure to
     * list it only means that a later --force keeps it, as it keeps any file bmoe did not write.
     */
    static void noteOutput(Path run, Path written) {
        try {
            Path root = run.toRealPath();
            Path file = written.toAbsolutePath().getParent().toRealPath().resolve(written.getFileName());
            if (!file.startsWith(root) || file.equals(root)) {
                return;
            }
            String rel = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            Set<String> outputs = outputs(root);
            if (isBmoes(rel, outputs)) {
                return;
            }
            outputs.add(rel);
            AtomicFiles.write(root.resolve(OUTPUTS), out -> {
                out.write("# files bmoe wrote in this run folder under names given with --out; "
                        + "'bmoe fit --force' deletes them with the run\n");
                for (String output : outputs) {
                    out.write(output);
                    out.write('\n');
                }
            });
        } catch (IOException | UserError e) {
            // see above: nothing to report
        }
    }

    /** The listed outputs; entries that would lead outside the folder are ignored. */
    private static Set<String> outputs(Path dir) {
        Set<String> outputs = new LinkedHashSet<>();
        Path file = dir.resolve(OUTPUTS);
        if (!Files.isRegularFile(file)) {
            return outputs;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String rel = line.strip();
                if (rel.isEmpty() || rel.startsWith("#") || rel.startsWith("/") || rel.endsWith("/")) {
                    continue;
                }
                boolean plain = true;
                for (String part : rel.split("/")) {
                    plain &= !part.isEmpty() && !part.equals(".") && !part.equals("..");
                }
                if (plain) {
                    outputs.add(rel);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + Main.oneLine(e.getMessage()));
        }
        return outputs;
    }

    private static boolean isEmptyFolder(Path folder) {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UserError("cannot delete " + file + ": " + Main.oneLine(e.getMessage()));
        }
    }
}
