package io.loginstate.bench.throughput.ceiling;

import io.quarkus.arc.profile.IfBuildProfile;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Stands in for the service's handler of channel {@code logins}: the same signature (a polled batch
 * in, a completion stage out, on the connector's thread), but it only counts. Built only in the
 * ceiling's build profile, so the normal test suite never sees a second consumer of the channel.
 */
@ApplicationScoped
@IfBuildProfile(CeilingProfile.NAME)
public class CountingLoginsConsumer {

    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final CountDownLatch reached = new CountDownLatch(1);
    /** Only the connector's polling thread writes these; the test thread reads them after the latch. */
    private long counted;

    private long firstBatchAt;
    private long firstBatchRecords;
    private long lastBatchAt;

    @ConfigProperty(name = CeilingProfile.EVENTS)
    long target;

    @Incoming("logins")
    public CompletionStage<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        long now = System.nanoTime();
        if (counted == 0) {
            firstBatchAt = now;
            firstBatchRecords = records.count();
        }
        counted += records.count();
        if (counted >= target && reached.getCount() > 0) {
            lastBatchAt = now;
            reached.countDown();
        }
        return DONE;
    }

    /**
     * Waits until the whole topic has been counted. Measured like the service: from the first batch
     * seen to the batch holding the last record, the first batch's records not counted.
     */
    public CeilingResult await(Duration timeout) throws InterruptedException {
        if (!reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Counted only some records of " + target + " within " + timeout);
        }
        return new CeilingResult(counted, counted - firstBatchRecords, lastBatchAt - firstBatchAt);
    }
}
