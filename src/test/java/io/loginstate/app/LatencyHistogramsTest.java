package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.loginstate.testing.PrometheusScrape;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyHistogramsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    LatencyHistogramsTest() {
        registry.config().meterFilter(new LatencyHistograms());
    }

    @Test
    void theCheckpointPauseIsAHistogramWithBucketsAroundTwoMilliseconds() {
        Timer pause = Timer.builder("login_state.checkpoint.pause")
                .tag("partition", "3")
                .register(registry);
        for (int i = 1; i <= 100; i++) {
            pause.record(Duration.ofNanos(i * 20_000L)); // 0.02 ms … 2 ms, evenly
        }
        PrometheusScrape scrape = PrometheusScrape.parse(registry.scrape());

        assertThat(scrape.samples())
                .filteredOn(s -> s.name().equals("login_state_checkpoint_pause_seconds_bucket"))
                .extracting(s -> s.labels().get("le"))
                .contains("0.001", "0.0015", "0.002", "0.003", "+Inf");
        assertThat(scrape.samples()).noneMatch(s -> s.labels().containsKey("quantile"));
        assertThat(scrape.one("login_state_checkpoint_pause_seconds_bucket", Map.of("le", "0.002")))
                .isEqualTo(100);
        assertThat(scrape.one("login_state_checkpoint_pause_seconds_bucket", Map.of("le", "0.001")))
                .isEqualTo(50);
        // Linear inside the bucket, as histogram_quantile: the 50th of 100 ends the 1 ms bucket.
        assertThat(scrape.histogramQuantile("login_state_checkpoint_pause_seconds", 0.5, Map.of()))
                .isCloseTo(0.001, within(1e-9));
        assertThat(scrape.histogramQuantile("login_state_checkpoint_pause_seconds", 0.99, Map.of("partition", "3")))
                .isBetween(0.0015, 0.002);
        assertThat(scrape.histogramQuantile("login_state_checkpoint_pause_seconds", 0.5, Map.of("partition", "4")))
                .isNaN();
    }

    @Test
    void queriesAndRestoresGetTheirOwnBucketsAndOtherTimersNone() {
        Timer.builder("http.server.requests")
                .tag("uri", "/users/{id}")
                .register(registry)
                .record(Duration.ofMillis(7));
        Timer.builder("login_state.restore.duration").register(registry).record(Duration.ofMinutes(3));
        Timer.builder("something.else").register(registry).record(Duration.ofMillis(7));
        PrometheusScrape scrape = PrometheusScrape.parse(registry.scrape());

        assertThat(scrape.one("http_server_requests_seconds_bucket", Map.of("uri", "/users/{id}", "le", "0.01")))
                .isEqualTo(1);
        assertThat(scrape.one("http_server_requests_seconds_bucket", Map.of("uri", "/users/{id}", "le", "0.005")))
                .isEqualTo(0);
        assertThat(scrape.one("login_state_restore_duration_seconds_bucket", Map.of("le", "300.0")))
                .isEqualTo(1);
        assertThat(scrape.samples()).noneMatch(s -> s.name().equals("something_else_seconds_bucket"));
        assertThat(LatencyHistograms.bucketSeconds("login_state.restore.duration"))
                .contains(1800.0);
    }
}
