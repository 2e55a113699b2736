package io.loginstate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Kafka's own {@code ConsumerPerformance} on a topic, in a JVM of its own with a new consumer
 * group: the raw consumer every ingest rate is compared with. Its rate is that of the fetch phase
 * (the group join excluded).
 *
 * @param rate   records per second
 * @param output the tool's result line
 */
public record ConsumerPerformanceRun(double rate, String output) {

    public static ConsumerPerformanceRun run(String bootstrap, String topic, long events)
            throws IOException, InterruptedException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "org.apache.kafka.tools.ConsumerPerformance",
                "--bootstrap-server",
                bootstrap,
                "--topic",
                topic,
                "--messages",
                Long.toString(events),
                "--group",
                "raw-" + System.nanoTime(),
                "--timeout",
                "60000");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        String last = null;
        for (String line : output.split("\n")) {
            if (!line.isBlank() && Character.isDigit(line.trim().charAt(0))) {
                last = line.trim();
            }
        }
        if (last == null) {
            throw new IllegalStateException("ConsumerPerformance printed no result:\n" + output);
        }
        String[] fields = last.split(",");
        double rate = Double.parseDouble(fields[fields.length - 1].trim());
        System.out.printf(Locale.ROOT, "ConsumerPerformance: %s%n", last);
        return new ConsumerPerformanceRun(rate, last);
    }
}
