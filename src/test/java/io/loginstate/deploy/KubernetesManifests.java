package io.loginstate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Kubernetes manifests under {@code k8s/}: their YAML documents as JSON, which files are
 * objects (not kustomizations or patches), the kustomizations rendered by {@code kubectl}, and the
 * Prometheus metrics the dashboard and the alerts read.
 */
public final class KubernetesManifests {

    /** The manifests' directory, relative to the project directory (where Maven runs the tests). */
    public static final Path ROOT = Path.of("k8s");

    public static final Path BASE = ROOT.resolve("base");
    public static final Path PRODUCTION = ROOT.resolve("overlays").resolve("production");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC =
            Pattern.compile("\\b(login_state_[a-z0-9_]+|http_server_requests_seconds_[a-z]+)\\b");
    private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum");
    private static final Set<String> KUSTOMIZATION_NAMES =
            Set.of("kustomization.yaml", "kustomization.yml", "Kustomization");

    private KubernetesManifests() {}

    /**
     * Every Prometheus metric name the Grafana dashboards under {@code k8s/} and the expressions of
     * the PrometheusRules reference: the names as written, and for histogram series
     * ({@code _bucket}, {@code _count}, {@code _sum}) their base name as well.
     */
    public static Set<String> metricNamesReferenced() {
        Set<String> names = new TreeSet<>();
        for (Path file : files(ROOT, ".json")) {
            collectMetricNames(read(file), names);
        }
        for (Path file : objectFiles(ROOT)) {
            for (JsonObject document : documents(read(file), file.toString())) {
                if ("PrometheusRule".equals(string(document, "kind"))) {
                    for (String expr : ruleExpressions(document)) {
                        collectMetricNames(expr, names);
                    }
                }
            }
        }
        return names;
    }

    /** The metric names in {@code text} (see {@link #metricNamesReferenced()}). */
    static void collectMetricNames(String text, Set<String> into) {
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            String name = matcher.group(1);
            into.add(name);
            for (String suffix : HISTOGRAM_SUFFIXES) {
                if (name.endsWith(suffix)) {
                    into.add(name.substring(0, name.length() - suffix.length()));
                }
            }
        }
    }

    /** The {@code expr} of every rule of a PrometheusRule. */
    static List<String> ruleExpressions(JsonObject prometheusRule) {
        List<String> expressions = new ArrayList<>();
        JsonObject spec = prometheusRule.getAsJsonObject("spec");
        if (spec == null || !spec.has("groups")) {
            return expressions;
        }
        for (JsonElement group : spec.getAsJsonArray("groups")) {
            JsonObject groupObject = group.getAsJsonObject();
            if (!groupObject.has("rules")) {
                continue;
            }
            for (JsonElement rule : groupObject.getAsJsonArray("rules")) {
                JsonElement expr = rule.getAsJsonObject().get("expr");
                if (expr != null && expr.isJsonPrimitive()) {
                    expressions.add(expr.getAsString());
                }
            }
        }
        return expressions;
    }

    /**
     * The YAML documents of {@code text}, each as a JSON object (empty documents skipped). A
     * document that is not a mapping fails, naming {@code source}.
     */
    static List<JsonObject> documents(String text, String source) {
        List<JsonObject> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> nodes = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (nodes.hasNext()) {
                JsonNode node = nodes.next();
                if (node == null || node.isNull() || node.isMissingNode()) {
                    continue;
                }
                if (!node.isObject()) {
                    throw new IllegalArgumentException(source + ": a YAML document is not a mapping: " + node);
                }
                documents.add(
                        JsonParser.parseString(JSON.writeValueAsString(node)).getAsJsonObject());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        return documents;
    }

    /** The files under {@code directory} holding Kubernetes objects: YAML that is neither a kustomization nor a patch. */
    static List<Path> objectFiles(Path directory) {
        Set<Path> patches = patchFiles();
        List<Path> objects = new ArrayList<>();
        for (Path file : yamlFiles(directory)) {
            if (!isKustomization(file)
                    && !patches.contains(file.toAbsolutePath().normalize())) {
                objects.add(file);
            }
        }
        return objects;
    }

    /** The text of every object file under {@code directory}, by its path. */
    static Map<String, String> objectSources(Path directory) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Path file : objectFiles(directory)) {
            sources.put(file.toString(), read(file));
        }
        return sources;
    }

    static List<Path> yamlFiles(Path directory) {
        List<Path> yaml = new ArrayList<>(files(directory, ".yaml"));
        yaml.addAll(files(directory, ".yml"));
        return yaml;
    }

    static boolean isKustomization(Path file) {
        return KUSTOMIZATION_NAMES.contains(file.getFileName().toString());
    }

    /** Files named as patches by any kustomization under {@code k8s/} (absolute, normalized). */
    static Set<Path> patchFiles() {
        Set<Path> patches = new LinkedHashSet<>();
        for (Path file : yamlFiles(ROOT)) {
            if (!isKustomization(file)) {
                continue;
            }
            Path directory = file.getParent();
            for (JsonObject kustomization : documents(read(file), file.toString())) {
                for (String field : List.of("patches", "patchesStrategicMerge", "patchesJson6902")) {
                    JsonElement list = kustomization.get(field);
                    if (list == null || !list.isJsonArray()) {
                        continue;
                    }
                    for (JsonElement patch : list.getAsJsonArray()) {
                        String path = patch.isJsonPrimitive() ? patch.getAsString() : string(patch, "path");
                        if (path != null) {
                            patches.add(directory.resolve(path).toAbsolutePath().normalize());
                        }
                    }
                }
            }
        }
        return patches;
    }

    /** {@code kubectl} if it is on the PATH. */
    static Optional<Path> kubectl() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(Pattern.quote(File.pathSeparator))) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, "kubectl");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The objects {@code kubectl kustomize <directory>} renders (offline: no API server is involved). */
    static String kustomize(Path kubectl, Path directory) {
        try {
            Path errors = Files.createTempFile("kustomize-", ".err");
            try {
                Process process = new ProcessBuilder(kubectl.toString(), "kustomize", directory.toString())
                        .redirectError(errors.toFile())
                        .start();
                process.getOutputStream().close();
                byte[] output = process.getInputStream().readAllBytes();
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("kubectl kustomize " + directory + " did not finish in 2 minutes");
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException("kubectl kustomize " + directory + " failed (exit "
                            + process.exitValue() + "): " + Files.readString(errors));
                }
                return new String(output, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while rendering " + directory, e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A string member of a JSON object, or null. */
    static String string(JsonElement object, String member) {
        if (object == null || !object.isJsonObject()) {
            return null;
        }
        JsonElement value = object.getAsJsonObject().get(member);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }

    private static List<Path> files(Path directory, String suffix) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalStateException(
                    directory.toAbsolutePath() + " does not exist (tests run in the project directory)");
        }
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName()
                            .toString()
                            .toLowerCase(Locale.ROOT)
                            .endsWith(suffix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
