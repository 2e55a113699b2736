package io.loginstate.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.login.LoginApplication;
import io.loginstate.login.UserStateReader;
import io.loginstate.testing.ExpectedLogins;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of the stall tests (a partition whose state cannot be written for a while): batches
 * of {@code batchSize} login events over {@code users} users, some out of order, and the check
 * that every user ends exact after a number of them.
 */
record StallWorkload(TopicPartition partition, int batchSize, int users, long start, LoginApplication application) {

    /** Batch {@code index}: the records at offsets {@code index × batchSize} onwards. */
    List<ConsumerRecord<byte[], byte[]>> batch(int index) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            long offset = (long) index * batchSize + i;
            String json = ExpectedLogins.eventJson(
                    user(offset), Long.toString(timestamp(offset)), success(offset) ? "SUCCESS" : "FAILURE");
            records.add(new ConsumerRecord<>(
                    partition.topic(),
                    partition.partition(),
                    offset,
                    user(offset).getBytes(StandardCharsets.UTF_8),
                    json.getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    /** Every user's counts and last login read from {@code processor} match the first {@code batches} batches. */
    void assertEveryUser(PartitionProcessor processor, int batches) {
        ExpectedLogins expected = new ExpectedLogins();
        for (int b = 0; b < batches; b++) {
            for (ConsumerRecord<byte[], byte[]> record : batch(b)) {
                expected.record(user(record.offset()), timestamp(record.offset()), success(record.offset()));
            }
        }
        UserStateReader reader = application.reader();
        for (int user = 0; user < users; user++) {
            String id = "user-" + user;
            var snapshot = reader.read(processor, id).orElseThrow();
            assertThat(snapshot.aggregate().loginCount()).as(id).isEqualTo(expected.loginCount(id));
            assertThat(snapshot.aggregate().failedLoginCount()).as(id).isEqualTo(expected.failedLoginCount(id));
            assertThat(Instant.ofEpochMilli(snapshot.aggregate().lastLogin()).toString())
                    .as(id)
                    .isEqualTo(expected.lastLogin(id));
        }
    }

    /** The partition's {@code state_unwritable} gauge. */
    double unwritable(MeterRegistry registry) {
        return registry.get("login_state.partition.state_unwritable")
                .tag("partition", Integer.toString(partition.partition()))
                .gauge()
                .value();
    }

    private String user(long offset) {
        return "user-" + offset % users;
    }

    private long timestamp(long offset) {
        return start + offset * 1000 - (offset % 3) * 5000;
    }

    private static boolean success(long offset) {
        return offset % 4 != 0;
    }
}
