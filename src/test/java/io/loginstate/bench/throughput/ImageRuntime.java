package io.loginstate.bench.throughput;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the container image runs the service, read from its Dockerfile so that the benchmark runs the
 * packaged jar the same way: the garbage collector named in {@code JAVA_OPTS_APPEND} and the
 * allocator's environment ({@code MALLOC_*}). Anything else the image sets (paths, the HTTP host)
 * the benchmark sets itself.
 */
record ImageRuntime(String collectorOption, Map<String, String> allocatorEnvironment) {

    static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");

    private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use[A-Za-z]+GC");
    private static final Pattern ALLOCATOR = Pattern.compile("\\b(MALLOC_[A-Z_]+)=(\\S+)");

    static ImageRuntime ofImage() {
        try {
            return parse(Files.readString(DOCKERFILE, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("The benchmark runs the service as " + DOCKERFILE + " does", e);
        }
    }

    static ImageRuntime parse(String dockerfile) {
        Map<String, String> environment = new LinkedHashMap<>();
        String collector = null;
        for (String line : dockerfile.lines().toList()) {
            String code = line.strip();
            if (code.startsWith("#")) {
                continue;
            }
            Matcher gc = COLLECTOR.matcher(code);
            if (code.contains("JAVA_OPTS_APPEND") && gc.find()) {
                collector = gc.group();
            }
            Matcher allocator = ALLOCATOR.matcher(code);
            while (allocator.find()) {
                environment.put(
                        allocator.group(1), allocator.group(2).replace("\"", "").replace("\\", ""));
            }
        }
        if (collector == null) {
            throw new IllegalStateException("No -XX:+Use...GC in the image's JAVA_OPTS_APPEND");
        }
        return new ImageRuntime(collector, Map.copyOf(environment));
    }
}
