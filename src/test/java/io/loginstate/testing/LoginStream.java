package io.loginstate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.support.DaemonThreads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A login stream fixed in advance (from a seeded {@link Random}), with the per-user answers it must
 * produce computed once on the test side. Parts of it are sent while the service runs; the answers
 * do not depend on how the stream is cut or when the service is killed.
 */
public final class LoginStream implements AutoCloseable {

    private record Event(String user, long timestamp, boolean success) {}

    private final List<Event> events;
    private final ExpectedLogins expected = new ExpectedLogins();
    private final ExecutorService sender =
            Executors.newSingleThreadExecutor(DaemonThreads.named("login-stream-producer-"));

    private LoginStream(List<Event> events) {
        this.events = events;
        events.forEach(event -> expected.record(event.user(), event.timestamp(), event.success()));
    }

    /**
     * {@code count} events over {@code users} users (user ids are the record keys, so each user stays
     * in one partition), one in four a failed login, timestamps recent enough that the default TTL
     * never expires them and a little out of order. A second apart, they start two days ago, or
     * earlier for a stream longer than a day, so that the last one is still a day old.
     */
    public static LoginStream generate(Random random, int count, int users) {
        Instant now = Instant.now();
        long clock = Math.min(
                now.minus(Duration.ofDays(2)).toEpochMilli(),
                now.minus(Duration.ofDays(1)).toEpochMilli() - count * 1000L);
        List<Event> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            clock += 1000;
            events.add(new Event(
                    "user-" + random.nextInt(users), clock - random.nextInt(3_600_000), random.nextInt(4) != 0));
        }
        return new LoginStream(events);
    }

    public int size() {
        return events.size();
    }

    public ExpectedLogins expected() {
        return expected;
    }

    /** What the service must report once it applied events {@code [0, count)}. */
    public ExpectedLogins expectedUpTo(int count) {
        ExpectedLogins prefix = new ExpectedLogins();
        events.subList(0, count).forEach(event -> prefix.record(event.user(), event.timestamp(), event.success()));
        return prefix;
    }

    /**
     * Sends events from {@code from} on, in order, on a background thread, until {@link Sending#stop}
     * or until {@code limit}. The sender waits for the broker's acknowledgements every
     * {@code flushEvery} events, so events arrive at the pace the broker takes them, not in a burst.
     */
    public Sending sendInBackground(String bootstrapServers, String topic, int from, int limit, int flushEvery) {
        return sendInBackground(bootstrapServers, topic, from, limit, flushEvery, 0);
    }

    /**
     * As {@link #sendInBackground(String, String, int, int, int)}, at most {@code perSecond} events a
     * second (0: as fast as the broker takes them), so events keep flowing for a known time.
     */
    public Sending sendInBackground(
            String bootstrapServers, String topic, int from, int limit, int flushEvery, int perSecond) {
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> done = CompletableFuture.supplyAsync(
                () -> send(bootstrapServers, topic, from, limit, flushEvery, perSecond, stop), sender);
        return new Sending(from, stop, done);
    }

    /** Sends events {@code [from, to)} in order and returns once the broker has them all. */
    public void send(String bootstrapServers, String topic, int from, int to, int flushEvery) {
        send(bootstrapServers, topic, from, to, flushEvery, 0, new AtomicBoolean());
    }

    /** Returns the index after the last event sent; every event before it is acknowledged. */
    private int send(
            String bootstrapServers,
            String topic,
            int from,
            int limit,
            int flushEvery,
            int perSecond,
            AtomicBoolean stop) {
        long started = System.nanoTime();
        assertThat(from).isBetween(0, limit);
        assertThat(limit).isLessThanOrEqualTo(events.size());
        AtomicReference<Exception> failure = new AtomicReference<>();
        int next = from;
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(bootstrapServers)) {
            while (next < limit && !stop.get()) {
                Event event = events.get(next);
                String json = ExpectedLogins.eventJson(
                        event.user(), Long.toString(event.timestamp()), event.success() ? "SUCCESS" : "FAILURE");
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                event.user().getBytes(StandardCharsets.UTF_8),
                                json.getBytes(StandardCharsets.UTF_8)),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
                next++;
                if ((next - from) % flushEvery == 0) {
                    producer.flush();
                    pace(started, next - from, perSecond);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Sending events " + from + ".." + next + " failed", failure.get());
        }
        return next;
    }

    /** Holds the sender back until {@code sent} events are due at {@code perSecond}. */
    private static void pace(long started, int sent, int perSecond) {
        if (perSecond <= 0) {
            return;
        }
        long due = started + (long) (sent * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    /** Events being sent in the background. */
    public static final class Sending {
        private final int from;
        private final AtomicBoolean stop;
        private final CompletableFuture<Integer> done;
        private final long started = System.nanoTime();

        private Sending(int from, AtomicBoolean stop, CompletableFuture<Integer> done) {
            this.from = from;
            this.stop = stop;
            this.done = done;
        }

        public boolean running() {
            return !done.isDone();
        }

        public Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - started);
        }

        /** Stops sending (or waits for the end) and returns the index after the last event sent. */
        public int stop() throws Exception {
            stop.set(true);
            return done.get(60, TimeUnit.SECONDS);
        }

        /** Waits until every event up to the limit is sent; returns the limit. */
        public int await() throws Exception {
            return done.get(120, TimeUnit.SECONDS);
        }

        public int from() {
            return from;
        }
    }

    /** Every user of the stream, as the service answers it, equals the expected values. */
    public void assertEveryUser(ServiceProcess service) {
        assertEveryUser(service, expected);
    }

    /** Every user of {@code expected}, as the service answers it, equals the expected values. */
    public static void assertEveryUser(ServiceProcess service, ExpectedLogins expected) {
        for (String user : expected.users().keySet()) {
            ServiceProcess.Answer answer = service.get("/users/" + user);
            assertThat(answer.status()).as(user + ": " + answer.body()).isEqualTo(200);
            assertThat(answer.json().path("loginCount").asLong())
                    .as(user + " loginCount")
                    .isEqualTo(expected.loginCount(user));
            assertThat(answer.json().path("failedLoginCount").asLong())
                    .as(user + " failedLoginCount")
                    .isEqualTo(expected.failedLoginCount(user));
            assertThat(
                            answer.json().path("lastLogin").isNull()
                                    ? null
                                    : answer.json().path("lastLogin").asText())
                    .as(user + " lastLogin")
                    .isEqualTo(expected.lastLogin(user));
            assertThat(answer.json().path("firstSeen").asText())
                    .as(user + " firstSeen")
                    .isEqualTo(expected.firstSeen(user));
        }
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }
}
