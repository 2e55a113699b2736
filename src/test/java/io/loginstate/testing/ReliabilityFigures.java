package io.loginstate.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The figures one reliability scenario measured, printed and kept as
 * {@code target/reliability/<scenario>.json} for {@link ReliabilityReport}, which turns the files of
 * one run into the table of {@code docs/RELIABILITY.md}. A scenario records its figures only once
 * every check of it has passed, so a file is also the proof that the run was exact.
 */
public final class ReliabilityFigures {

    /** Where the figures of a run are kept. */
    public static final Path DIRECTORY = Path.of("target", "reliability");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReliabilityFigures() {}

    /**
     * @param scenario short file name, e.g. {@code object-store-outage}
     * @param test     the test class and what it did, e.g. {@code OutagesIT: object store down, a rebalance}
     * @param figures  names and values in the order they should be shown
     */
    public static void record(String scenario, String test, Map<String, ?> figures) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("scenario", scenario);
        document.put("test", test);
        document.put("figures", new LinkedHashMap<>(figures));
        System.out.println("Reliability figures " + scenario + ": "
                + figures.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", ")));
        try {
            Files.createDirectories(DIRECTORY);
            JSON.writeValue(DIRECTORY.resolve(scenario + ".json").toFile(), document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
