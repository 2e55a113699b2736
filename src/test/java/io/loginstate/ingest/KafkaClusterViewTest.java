package io.loginstate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.testing.BrokerFixture;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What queries ask of Kafka is answered at once, whether or not a broker answers. */
class KafkaClusterViewTest {

    @Test
    void aViewWithoutAReachableBrokerAnswersAtOnce() {
        KafkaClusterView view = new KafkaClusterView();
        view.kafkaConfig = Map.of("bootstrap.servers", "127.0.0.1:" + EmbeddedKafkaBroker.freePort());
        view.start();
        try {
            for (int call = 0; call < 3; call++) {
                long started = System.nanoTime();
                OptionalInt count = view.partitionCount("logins");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertThat(count).isEmpty();
                assertThat(millis)
                        .as("call %d returns without waiting for Kafka", call)
                        .isLessThan(500);
            }
        } finally {
            view.stop();
        }
    }

    @Test
    void aStoppedBrokerLeavesTheLastKnownAnswersAndNoWait() throws Exception {
        BrokerFixture broker = BrokerFixture.start("cluster-view", "logins", 3);
        KafkaClusterView view = new KafkaClusterView();
        view.kafkaConfig = Map.of("bootstrap.servers", broker.bootstrapServers());
        view.start();
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> view.partitionCount("logins").orElse(0) == 3);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> view.endOffsets("logins", 3).size() == 3);
            await().atMost(Duration.ofSeconds(20)).until(view::reachable);
            broker.close();
            view.partitionsTtlNanos = 0; // every call finds its answer stale and asks again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            int calls = 0;
            while (System.nanoTime() < deadline) {
                long started = System.nanoTime();
                OptionalInt count = view.partitionCount("logins");
                Map<Integer, Long> ends = view.endOffsets("logins", 3);
                view.reachable();
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertThat(count).as("the last known count").hasValue(3);
                assertThat(ends).as("the last known end offsets").hasSize(3);
                assertThat(millis)
                        .as("call %d returns without waiting for Kafka", calls)
                        .isLessThan(200);
                calls++;
            }
            assertThat(calls).isGreaterThan(10);
            await().atMost(Duration.ofSeconds(20))
                    .alias("a stopped broker is noticed in the background")
                    .until(() -> !view.reachable());
        } finally {
            view.stop();
        }
    }
}
