package io.loginstate.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the service's Prometheus text at {@code /q/metrics}. */
public final class Metrics {

    private Metrics() {
    }

    /** Sum of all samples of {@code name} (any tags); 0 if there is none. */
    public static double sum(ServiceProcess service, String name) {
        return samples(service, name).stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Every sample of {@code name} (any tags), NaN ones left out. */
    public static List<Double> samples(ServiceProcess service, String name) {
        ServiceProcess.Answer answer = service.get("/q/metrics");
        if (answer.status() != 200) {
            throw new IllegalStateException("GET /q/metrics: " + answer.status() + " " + answer.body());
        }
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+|NaN)$").matcher(answer.body());
        List<Double> values = new ArrayList<>();
        while (matcher.find()) {
            if (!"NaN".equals(matcher.group(2))) {
                values.add(Double.parseDouble(matcher.group(2)));
            }
        }
        return values;
    }
}
