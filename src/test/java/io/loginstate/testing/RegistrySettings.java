package io.loginstate.testing;

import io.loginstate.processing.KeyPartitioner;
import io.loginstate.processing.ProcessorRegistry;
import java.time.Duration;
import java.util.Optional;

/**
 * The processor registry's settings for component tests: one applying thread, two queued batches,
 * no checkpoints, commits every 50,000 records or 500 ms, the producers' default partitioner.
 */
public final class RegistrySettings {

    private RegistrySettings() {}

    /** Close timeout 5 s, three attempts before a record is poison, 10 ms retry backoff. */
    public static ProcessorRegistry.Settings forTests() {
        return forTests(Duration.ofSeconds(5), 3, Duration.ofMillis(10));
    }

    public static ProcessorRegistry.Settings forTests(
            Duration closeTimeout, int poisonAttempts, Duration retryBackoff) {
        return forTests(closeTimeout, poisonAttempts, retryBackoff, Duration.ofDays(1));
    }

    /** The defaults, with the files of partitions that left kept for {@code keptStateRetention}. */
    public static ProcessorRegistry.Settings forTests(Duration keptStateRetention) {
        return forTests(Duration.ofSeconds(5), 3, Duration.ofMillis(10), keptStateRetention);
    }

    private static ProcessorRegistry.Settings forTests(
            Duration closeTimeout, int poisonAttempts, Duration retryBackoff, Duration keptStateRetention) {
        return new ProcessorRegistry.Settings(
                1,
                2,
                closeTimeout,
                Duration.ofSeconds(1),
                Optional.empty(),
                Long.MAX_VALUE,
                50_000,
                Duration.ofMillis(500),
                1,
                KeyPartitioner.MURMUR2,
                poisonAttempts,
                retryBackoff,
                keptStateRetention);
    }
}
