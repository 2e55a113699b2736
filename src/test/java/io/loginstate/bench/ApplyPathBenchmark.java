package io.loginstate.bench;

import io.loginstate.login.LoginApplication;
import io.loginstate.processing.BatchOutcome;
import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * The applying path of one partition on one thread, without Kafka, SmallRye or other threads: the
 * login handler over the service's state stack (TTL states, write-back cache, RocksDB), fed
 * batches of records shaped like the throughput benchmark's, committed as the service commits
 * (cleanup, then the state with its offset, every {@code commit-records}). Each round applies the
 * same records to a new, empty state, as one partition of the throughput benchmark receives them,
 * after a warm-up on other users; it prints the time per record of each round and their median. Its time per record is what
 * the service's applying threads spend, less what they lose to other threads on the same cores,
 * so a lever on the applying path can be measured here with far less spread than end to end.
 *
 * <p>{@code -Dbench.apply.users} (125,000: one partition's share of the throughput benchmark's
 * million), {@code .events} per round (1,250,000), {@code .rounds} (5), {@code .batch} (500),
 * {@code .commit-records} (50,000), {@code .cache-mb} (64, the service's per partition).
 */
public final class ApplyPathBenchmark {

    private static final String TOPIC = "logins";

    private ApplyPathBenchmark() {}

    public static void main(String[] args) throws IOException {
        int users = Integer.getInteger("bench.apply.users", 125_000);
        int events = Integer.getInteger("bench.apply.events", 1_250_000);
        int rounds = Integer.getInteger("bench.apply.rounds", 5);
        int batch = Integer.getInteger("bench.apply.batch", 500);
        int commitRecords = Integer.getInteger("bench.apply.commit-records", 50_000);
        long cacheBytes = Long.getLong("bench.apply.cache-mb", 64) << 20;
        System.out.printf(
                "apply path: %,d events over %,d users (Zipf 1.0) into an empty state, %d rounds, batches of %d,"
                        + " commit every %,d records, cache %d MiB%n",
                events, users, rounds, batch, commitRecords, cacheBytes >> 20);
        long base = LocalDate.now(ZoneOffset.UTC)
                .minusDays(2)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .toEpochMilli();
        Input input = new Input(events, users, base, new SplittableRandom(42));
        // The warm-up is the same run on other users: the code is compiled before the first round.
        Input warmUp = new Input(events / 2, users / 2, base, new SplittableRandom(7));
        run(warmUp, batch, commitRecords, cacheBytes);
        double[] nanosPerRecord = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            nanosPerRecord[round] = run(input, batch, commitRecords, cacheBytes);
            System.out.printf("round %d: %.2f µs per record%n", round + 1, nanosPerRecord[round] / 1000);
        }
        double[] sorted = nanosPerRecord.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "apply path: median %.2f µs per record (min %.2f, max %.2f) over %d rounds%n",
                sorted[sorted.length / 2] / 1000, sorted[0] / 1000, sorted[sorted.length - 1] / 1000, rounds);
    }

    /** Applies {@code input} to a new, empty state; the nanoseconds per record. */
    private static double run(Input input, int batch, int commitRecords, long cacheBytes) throws IOException {
        LoginApplication application = new LoginApplication(
                TtlConfig.of(Duration.ofDays(30)).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME), 1 << 20);
        KeyedStateBackendBuilder builder = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)))
                .cacheBytes(cacheBytes);
        Path directory = Files.createTempDirectory("apply-path-bench");
        try (RocksDBSharedResources shared = new RocksDBSharedResources(32L << 20, 16L << 20);
                LayeredKeyedStateBackend state =
                        builder.build(RocksDBStore.open("bench", directory, builder.tableNames(), shared))) {
            PartitionStateHandler handler = application.create(new TopicPartition(TOPIC, 0), state);
            long sinceCommit = 0;
            long notApplied = 0;
            long started = System.nanoTime();
            for (int from = 0; from < input.size(); from += batch) {
                List<ConsumerRecord<byte[], byte[]>> records =
                        input.records(from, Math.min(input.size(), from + batch));
                BatchOutcome outcome = new BatchOutcome();
                handler.applyBatch(records, outcome);
                notApplied += outcome.notApplied();
                sinceCommit += records.size();
                if (sinceCommit >= commitRecords || from + batch >= input.size()) {
                    state.cleanupIncrementally();
                    state.commit(from + records.size());
                    sinceCommit = 0;
                }
            }
            long elapsed = System.nanoTime() - started;
            if (notApplied > 0) {
                throw new IllegalStateException(
                        notApplied + " records were not applied: the input is not what the path takes");
            }
            return elapsed / (double) input.size();
        } finally {
            deleteRecursively(directory);
        }
    }

    /**
     * Records shaped as {@link LoginEvents} writes them, one millisecond apart, encoded once into
     * one array; a batch's records are copied out of it as the consumer copies them out of a
     * fetch, so the records stay young garbage as in the service.
     */
    private static final class Input {
        private final byte[] data;
        private final int[] starts;
        private final int[] keyLengths;
        private final long[] timestamps;

        Input(int events, int users, long base, SplittableRandom random) {
            ZipfSampler zipf = new ZipfSampler(users, 1.0);
            ByteArrayOutputStream out = new ByteArrayOutputStream(events * 180);
            starts = new int[events + 1];
            keyLengths = new int[events];
            timestamps = new long[events];
            for (int offset = 0; offset < events; offset++) {
                String user = LoginEvents.userId(zipf.sample(random));
                boolean success = random.nextInt(10) != 0;
                long timestamp = base + offset;
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                starts[offset] = out.size();
                keyLengths[offset] = key.length;
                timestamps[offset] = timestamp;
                out.writeBytes(key);
                out.writeBytes(LoginEvents.value(user, timestamp, offset, success));
            }
            starts[events] = out.size();
            data = out.toByteArray();
        }

        int size() {
            return timestamps.length;
        }

        List<ConsumerRecord<byte[], byte[]>> records(int from, int to) {
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                int keyEnd = starts[i] + keyLengths[i];
                byte[] key = Arrays.copyOfRange(data, starts[i], keyEnd);
                byte[] value = Arrays.copyOfRange(data, keyEnd, starts[i + 1]);
                records.add(new ConsumerRecord<>(
                        TOPIC,
                        0,
                        i,
                        timestamps[i],
                        TimestampType.CREATE_TIME,
                        key.length,
                        value.length,
                        key,
                        value,
                        new RecordHeaders(),
                        Optional.empty()));
            }
            return records;
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
