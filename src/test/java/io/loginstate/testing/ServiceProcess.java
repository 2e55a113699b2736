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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) running as a separate JVM, as
 * it runs in a pod: started, queried over HTTP, stopped gracefully or killed.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int httpPort;
    private final Path log;

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
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
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

    /** HTTP status and body of a GET, or status -1 if the service does not answer. */
    public Answer get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            return new Answer(-1, e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted", null);
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

    /** @param retryAfter the Retry-After header, if any */
    public record Answer(int status, String body, String retryAfter) {

        public Answer(int status, String body) {
            this(status, body, null);
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
