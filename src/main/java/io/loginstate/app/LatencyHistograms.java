package io.loginstate.app;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * Every timer the service publishes (and the HTTP server's request timer) becomes a Prometheus
 * histogram with fixed buckets, so that quantiles are computed by the server over any set of
 * partitions and instances ({@code histogram_quantile}) rather than per process. Buckets are chosen
 * per timer around the values that matter: the 2 ms pause bound, seconds-long uploads and restores,
 * query latency. Quarkus applies every {@link MeterFilter} bean to its registry.
 */
@Singleton
public class LatencyHistograms implements MeterFilter {

    private static final double[] SHORT_MILLIS = {
        0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 25, 50, 100, 250, 1000
    };
    private static final double[] LONG_MILLIS = {
        10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000
    };
    private static final double[] QUERY_MILLIS = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000};

    private static final Map<String, double[]> BUCKETS = Map.of(
            "login_state.checkpoint.pause", SHORT_MILLIS,
            "login_state.batch.apply", SHORT_MILLIS,
            "login_state.commit", SHORT_MILLIS,
            "login_state.checkpoint.upload", LONG_MILLIS,
            "login_state.restore.duration", LONG_MILLIS,
            "http.server.requests", QUERY_MILLIS);

    /** The bucket bounds of timer {@code name} in seconds, empty if it has none. */
    static double[] bucketSeconds(String name) {
        double[] millis = BUCKETS.get(name);
        return millis == null
                ? new double[0]
                : Arrays.stream(millis).map(m -> m / 1000).toArray();
    }

    @Override
    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        double[] millis = BUCKETS.get(id.getName());
        if (millis == null || id.getType() != Meter.Type.TIMER) {
            return config;
        }
        double[] nanos = Arrays.stream(millis)
                .map(m -> (double) Duration.ofNanos(Math.round(m * 1_000_000)).toNanos())
                .toArray();
        return DistributionStatisticConfig.builder()
                .percentilesHistogram(false)
                .percentiles()
                .serviceLevelObjectives(nanos)
                .build()
                .merge(config);
    }
}
