package io.loginstate.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of the Prometheus text format (the service's {@code /q/metrics}), for tests and benchmarks. */
public record PrometheusScrape(List<Sample> samples) {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public record Sample(String name, Map<String, String> labels, double value) {}

    /** Scrapes the service now. */
    public static PrometheusScrape of(ServiceProcess service) {
        ServiceProcess.Answer answer = service.get("/q/metrics");
        if (answer.status() != 200) {
            throw new IllegalStateException("GET /q/metrics: " + answer.status() + " " + answer.body());
        }
        return parse(answer.body());
    }

    public static PrometheusScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher matcher = SAMPLE.matcher(line);
            if (!matcher.find()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (matcher.group(3) != null) {
                Matcher label = LABEL.matcher(matcher.group(3));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            samples.add(new Sample(matcher.group(1), labels, number(matcher.group(4))));
        }
        return new PrometheusScrape(samples);
    }

    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** Values of the samples of {@code name} carrying at least these labels, NaN ones included. */
    public List<Double> values(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet()))
                .map(Sample::value)
                .toList();
    }

    /** Every value of {@code name} (any labels) that is a number. */
    public List<Double> values(String name) {
        return values(name, Map.of()).stream().filter(v -> !Double.isNaN(v)).toList();
    }

    /** Sum over the samples of {@code name} with these labels, NaN ones left out; 0 if there is none. */
    public double sum(String name, Map<String, String> labels) {
        return values(name, labels).stream()
                .mapToDouble(Double::doubleValue)
                .filter(v -> !Double.isNaN(v))
                .sum();
    }

    public double sum(String name) {
        return sum(name, Map.of());
    }

    /** Sum over the samples of {@code name} with these labels (NaN ones left out); empty if there is none. */
    public OptionalDouble total(String name, Map<String, String> labels) {
        List<Double> values =
                values(name, labels).stream().filter(v -> !Double.isNaN(v)).toList();
        return values.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(
                        values.stream().mapToDouble(Double::doubleValue).sum());
    }

    /** How many samples {@code name} has (several: the metric is broken down by labels). */
    public int count(String name) {
        return values(name, Map.of()).size();
    }

    /** The one sample's value, or NaN if there is not exactly one. */
    public double one(String name, Map<String, String> labels) {
        List<Double> values = values(name, labels);
        return values.size() == 1 ? values.get(0) : Double.NaN;
    }

    public double max(String name, Map<String, String> labels) {
        return values(name, labels).stream()
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(Double.NaN);
    }

    /** Per partition label, the sum of {@code name}. */
    public Map<String, Double> byPartition(String name) {
        Map<String, Double> values = new TreeMap<>();
        samples.stream()
                .filter(s -> s.name.equals(name) && s.labels.containsKey("partition"))
                .forEach(s -> values.merge(s.labels.get("partition"), s.value, Double::sum));
        return values;
    }

    /**
     * The {@code q} quantile of histogram {@code name} (its {@code _bucket} samples) over every series
     * carrying these labels, the buckets summed per bound, interpolated linearly inside the bucket as
     * Prometheus's {@code histogram_quantile} does. NaN without observations.
     */
    public double histogramQuantile(String name, double q, Map<String, String> labels) {
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        samples.stream()
                .filter(s -> s.name.equals(name + "_bucket") && s.labels.containsKey("le"))
                .filter(s -> s.labels.entrySet().containsAll(labels.entrySet()))
                .forEach(s -> cumulative.merge(number(s.labels.get("le")), s.value, Double::sum));
        if (cumulative.isEmpty() || cumulative.lastEntry().getValue() == 0) {
            return Double.NaN;
        }
        double rank = q * cumulative.lastEntry().getValue();
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            if (bucket.getValue() >= rank) {
                if (bucket.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = bucket.getValue() - lowerCount;
                return inBucket == 0
                        ? bucket.getKey()
                        : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = bucket.getKey();
            lowerCount = bucket.getValue();
        }
        return lowerBound;
    }
}
