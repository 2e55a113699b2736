package io.loginstate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes the figures of one run of the reliability scenarios ({@link ReliabilityFigures}) as a table
 * into {@code docs/RELIABILITY.md}, between the markers {@value #BEGIN} and {@value #END}. Run by
 * {@code ./mvnw -Pchaos verify} after the scenarios; a scenario that left no figures (it failed or
 * did not run) is listed as such.
 *
 * <p>Arguments: the document, the directory of figures, the command that produced them, and the
 * scenarios expected (comma-separated file names); or {@code --clear} and the directory of figures,
 * before a run.
 */
public final class ReliabilityReport {

    static final String BEGIN = "<!-- long-run:begin -->";
    static final String END = "<!-- long-run:end -->";

    private ReliabilityReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("--clear")) {
            clear(Path.of(args[1]));
            return;
        }
        Path document = Path.of(args[0]);
        Path figures = Path.of(args[1]);
        String command = args[2];
        List<String> expected = List.of(args[3].split(","));
        String table = table(figures, command, expected);
        String text = Files.readString(document, StandardCharsets.UTF_8);
        Files.writeString(document, replaceSection(text, table), StandardCharsets.UTF_8);
        System.out.println(table);
    }

    /** Removes the figures of an earlier run, so the table shows this run's only. */
    static void clear(Path figures) throws IOException {
        if (Files.isDirectory(figures)) {
            try (Stream<Path> files = Files.list(figures)) {
                for (Path file :
                        files.filter(f -> f.toString().endsWith(".json")).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    static String replaceSection(String text, String table) {
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("The document has no " + BEGIN + " … " + END + " section");
        }
        return text.substring(0, begin + BEGIN.length()) + "\n" + table + text.substring(end);
    }

    static String table(Path figures, String command, List<String> expected) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> found = new ArrayList<>();
        if (Files.isDirectory(figures)) {
            try (Stream<Path> files = Files.list(figures)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".json"))
                        .sorted()
                        .toList()) {
                    found.add(json.readTree(file.toFile()));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("Run on ")
                .append(LocalDate.now(ZoneOffset.UTC))
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores, with `")
                .append(command)
                .append("`. Every row's checks passed (counts, last login, first seen, recent logins and devices of"
                        + " every user against the oracle) unless it says otherwise.\n\n");
        out.append("| scenario | test | figures |\n|---|---|---|\n");
        List<String> seen = new ArrayList<>();
        for (JsonNode node : found) {
            String scenario = node.path("scenario").asText();
            seen.add(scenario);
            out.append("| ")
                    .append(scenario)
                    .append(" | ")
                    .append(cell(node.path("test").asText()))
                    .append(" | ")
                    .append(cell(figureText(node.path("figures"))))
                    .append(" |\n");
        }
        for (String scenario : expected) {
            if (!seen.contains(scenario)) {
                out.append("| ").append(scenario).append(" | | no figures: failed or not run |\n");
            }
        }
        return out.toString();
    }

    private static String figureText(JsonNode figures) {
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = figures.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            parts.add(field.getKey() + " " + field.getValue().asText());
        }
        return String.join(", ", parts);
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
