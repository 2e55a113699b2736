package io.loginstate.bench.throughput.ceiling;

import io.loginstate.support.Directories;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The SmallRye consumption ceiling: the service's application with its channel {@code logins}
 * exactly as configured, and a handler that only counts (see {@link CeilingProfile}). It runs in a
 * JVM of its own with the service's heap bound, as the service does, started through the JUnit
 * platform because that is how Quarkus builds an application that includes test classes.
 */
public final class SmallRyeCeiling {

    private SmallRyeCeiling() {}

    /**
     * Empty if the counting handler takes and returns what the service's handlers of the channel
     * do; otherwise why the ceiling is not the service's consumption path (the service's handler
     * changed and {@link CountingLoginsConsumer} must follow).
     */
    public static Optional<String> handlerMismatch() {
        Set<String> service = IncomingHandlers.shapes(
                Path.of(System.getProperty(CeilingProfile.APP_CLASSES, "target/classes")), "logins");
        Set<String> counting = IncomingHandlers.shapes(testClasses(), "logins");
        return service.equals(counting)
                ? Optional.empty()
                : Optional.of("The service's handlers of channel logins are " + service + ", the counting handler "
                        + counting + ": the SmallRye ceiling does not measure the service's consumption path.");
    }

    private static Path testClasses() {
        try {
            return Path.of(CountingLoginsConsumer.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Counts the whole topic of {@code events} records once, with a new consumer group, in a JVM
     * with the service's options and environment.
     */
    public static CeilingResult measure(
            String bootstrap,
            long events,
            List<String> jvmOptions,
            Map<String, String> environment,
            Path work,
            Path log,
            Duration timeout)
            throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("ceiling"));
        Path result = dir.resolve("result.txt");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-D" + CeilingProfile.BOOTSTRAP + "=" + bootstrap,
                "-D" + CeilingProfile.EVENTS + "=" + events,
                "-D" + CeilingProfile.WORK + "=" + dir,
                "-D" + CeilingProfile.GROUP + "=ceiling-" + System.nanoTime(),
                "-D" + SmallRyeCeilingRun.RESULT + "=" + result,
                "-D" + SmallRyeCeilingRun.TIMEOUT_SECONDS + "=" + timeout.toSeconds()));
        if (System.getProperty("maven.home") != null) {
            // Quarkus resolves the application's dependencies with Maven's settings, as under Surefire.
            command.add("-Dmaven.home=" + System.getProperty("maven.home"));
        }
        command.add(CeilingLauncher.class.getName());
        Files.deleteIfExists(log);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Process process = builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!process.waitFor(timeout.toMillis() + TimeUnit.MINUTES.toMillis(2), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("The counting run did not end in time; see " + log);
            }
            if (process.exitValue() != 0 || !Files.exists(result)) {
                throw new IllegalStateException(
                        "The counting run failed (exit " + process.exitValue() + "); see " + log);
            }
            CeilingResult ceiling = CeilingResult.readFrom(result);
            System.out.printf(
                    Locale.ROOT,
                    "[ceiling] SmallRye counting handler: %,.0f records/s (%,d records in %.2f s)%n",
                    ceiling.rate(),
                    ceiling.measured(),
                    ceiling.nanos() / 1e9);
            return ceiling;
        } finally {
            process.destroyForcibly();
            Directories.deleteRecursively(dir);
        }
    }
}
