package io.loginstate.bench.throughput.service;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of the service's Prometheus text ({@code /q/metrics}). */
final class MetricsText {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");

    private record Sample(String name, String labels, double value) {
    }

    private final List<Sample> samples;

    private MetricsText(List<Sample> samples) {
        this.samples = samples;
    }

    static MetricsText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher matcher = SAMPLE.matcher(line);
            if (line.startsWith("#") || !matcher.find()) {
                continue;
            }
            double value = parseValue(matcher.group(3));
            if (!Double.isNaN(value)) {
                samples.add(new Sample(matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2), value));
            }
        }
        return new MetricsText(samples);
    }

    /** Sum of the samples of {@code name} whose labels contain every one of {@code labels} (e.g. {@code area="heap"}), if any. */
    OptionalDouble sum(String name, String... labels) {
        double total = 0;
        boolean found = false;
        for (Sample sample : samples) {
            if (sample.name.equals(name) && hasAll(sample.labels, labels)) {
                total += sample.value;
                found = true;
            }
        }
        return found ? OptionalDouble.of(total) : OptionalDouble.empty();
    }

    /** How many samples {@code name} has (several: the metric is broken down by labels). */
    int count(String name) {
        return (int) samples.stream().filter(s -> s.name.equals(name)).count();
    }

    private static boolean hasAll(String sampleLabels, String[] labels) {
        for (String label : labels) {
            if (!sampleLabels.contains(label)) {
                return false;
            }
        }
        return true;
    }

    private static double parseValue(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
