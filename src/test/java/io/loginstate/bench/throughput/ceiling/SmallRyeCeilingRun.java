package io.loginstate.bench.throughput.ceiling;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The counting run, started by {@link CeilingLauncher} in a JVM of its own. Its name does not match
 * the test suite's patterns: it runs only when the throughput benchmark asks for it.
 */
@QuarkusTest
@TestProfile(CeilingProfile.class)
class SmallRyeCeilingRun {

    static final String RESULT = "bench.ceiling.result";
    static final String TIMEOUT_SECONDS = "bench.ceiling.timeout-seconds";

    @Inject
    CountingLoginsConsumer consumer;

    @Test
    void countsTheWholeTopic() throws InterruptedException {
        Duration timeout = Duration.ofSeconds(Long.getLong(TIMEOUT_SECONDS, 900));
        CeilingResult result = consumer.await(timeout);
        result.writeTo(Path.of(System.getProperty(RESULT)));
    }
}
