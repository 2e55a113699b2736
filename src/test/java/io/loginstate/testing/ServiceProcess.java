package io.loginstate.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loginstate.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) running as a separate JVM, as
 * it runs in a pod (production profile): started, queried over HTTP, stopped gracefully or killed.
 *
 * <p>Its API answers anyone ({@link #OPEN_API}) unless the settings or the environment name
 * {@code login-state.api.auth}; a test of the secured API gives credentials and sets
 * {@link #authorization(String)} for its requests.
 */
public final class ServiceProcess implements AutoCloseable {

    /** What a process is started with when its settings say nothing about the API's access. */
    public static final Map<String, String> OPEN_API = Map.of("login-state.api.auth", "none");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int httpPort;
    private final Path log;
    private volatile String authorization;

    private ServiceProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /** Starts the service with the given system properties; output goes to {@code log}. */
    public static ServiceProcess start(Map<String, String> properties, List<String> jvmOptions, Path log) {
        return start(properties, jvmOptions, log, EmbeddedKafkaBroker.freePort());
    }

    /** Starts the service on HTTP port {@code port}, e.g. the port of the process it replaces. */
    public static ServiceProcess start(Map<String, String> properties, List<String> jvmOptions, Path log, int port) {
        return start(properties, Map.of(), jvmOptions, log, port);
    }

    /**
     * Starts the service with system properties and environment variables (as a pod gets them from
     * its ConfigMap and Secret) on HTTP port {@code port}.
     */
    public static ServiceProcess start(
            Map<String, String> properties,
            Map<String, String> environment,
            List<String> jvmOptions,
            Path log,
            int port) {
        boolean accessNamed =
                properties.containsKey("login-state.api.auth") || environment.containsKey("LOGIN_STATE_API_AUTH");
        Map<String, String> settings = new LinkedHashMap<>(properties);
        if (!accessNamed) {
            settings.putAll(OPEN_API);
        }
        return startAsConfigured(settings, environment, jvmOptions, log, port);
    }

    /**
     * Starts the service with exactly these settings and environment: the API's access is the
     * production default ({@code required}) unless they name it.
     */
    public static ServiceProcess startAsConfigured(
            Map<String, String> properties,
            Map<String, String> environment,
            List<String> jvmOptions,
            Path log,
            int port) {
        String jar = System.getProperty("login-state.app.jar", "target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("Packaged service not found at " + jar + "; run the package phase first");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dquarkus.http.port=" + port);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar);
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ServiceProcess(process, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int httpPort() {
        return httpPort;
    }

    /** Operating-system id of the service's JVM, e.g. to read its memory from {@code /proc}. */
    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself (e.g. refusing to start); its exit code, or empty. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(process.exitValue())
                : OptionalInt.empty();
    }

    /** The {@code Authorization} header value every later request carries (null: none). */
    public ServiceProcess authorization(String header) {
        this.authorization = header;
        return this;
    }

    /** HTTP status and body of a GET, or status -1 if the service does not answer. */
    public Answer get(String path) {
        return get(path, authorization);
    }

    /** A GET with this {@code Authorization} header value (null: none). */
    public Answer get(String path, String authorizationHeader) {
        return get(path, authorizationHeader, Duration.ofSeconds(10));
    }

    /** A GET that gives up after {@code timeout} (status -1), e.g. for a sampler that must keep its pace. */
    public Answer getWithin(String path, Duration timeout) {
        return get(path, authorization, timeout);
    }

    private Answer get(String path, String authorizationHeader, Duration timeout) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(timeout)
                    .GET();
            if (authorizationHeader != null) {
                request.header("Authorization", authorizationHeader);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Retry-After").orElse(null),
                    response.headers().map());
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted");
        }
    }

    /** HTTP status and body of a POST without a body, or status -1 if the service does not answer. */
    public Answer post(String path) {
        return post(path, authorization);
    }

    /** A POST without a body with this {@code Authorization} header value (null: none). */
    public Answer post(String path, String authorizationHeader) {
        return send("POST", path, authorizationHeader);
    }

    /** HTTP status and body of a DELETE, or status -1 if the service does not answer. */
    public Answer delete(String path) {
        return send("DELETE", path, authorization);
    }

    /** A DELETE with this {@code Authorization} header value (null: none). */
    public Answer delete(String path, String authorizationHeader) {
        return send("DELETE", path, authorizationHeader);
    }

    private Answer send(String method, String path, String authorizationHeader) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(20))
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (authorizationHeader != null) {
                request.header("Authorization", authorizationHeader);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Retry-After").orElse(null),
                    response.headers().map());
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted");
        }
    }

    public boolean ready() {
        return get("/q/health/ready").status() == 200;
    }

    /** Sum of the next offsets of all partitions held, and the records applied since start. */
    public Progress progress() {
        Answer answer = get("/partitions?scope=local");
        if (answer.status() != 200) {
            return new Progress(-1, -1, 0);
        }
        long next = 0;
        long applied = 0;
        int partitions = 0;
        for (JsonNode partition : answer.json()) {
            next += partition.path("nextOffset").asLong(0);
            applied += partition.path("appliedRecords").asLong(0);
            partitions++;
        }
        return new Progress(next, applied, partitions);
    }

    /** SIGTERM, then wait for a graceful exit. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("Service did not stop within " + timeout + "; killed");
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hooks, no flush, like a crashed pod. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /**
     * @param retryAfter the Retry-After header, if any
     * @param headers    every header of the answer
     */
    public record Answer(int status, String body, String retryAfter, Map<String, List<String>> headers) {

        public Answer(int status, String body) {
            this(status, body, null, Map.of());
        }

        /** The first value of header {@code name} (any case), or null. */
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .flatMap(entry -> entry.getValue().stream())
                    .findFirst()
                    .orElse(null);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("Not JSON: " + body, e);
            }
        }
    }

    public record Progress(long nextOffsets, long appliedRecords, int partitions) {}
}
