package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * {@link CheckpointRecoveryIT} with {@code login-state.state.backend=heap}: the state lives on the
 * heap only, so every restart, on a kept disk too, must restore each partition from its newest
 * usable checkpoint. Fewer kills ({@code -Drecovery.heap.kills=N}, default {@value #DEFAULT_KILLS})
 * and no kill between a restore's renames (the heap leaves no directory to rename away).
 *
 * <p>Runs in the {@code chaos} profile (or with {@code -Drecovery.heap=true}), not in the default
 * build, which must stay within its time budget: there the heap backend is covered by the TTL
 * matrix, {@code SavepointRoundTripTest} and {@link ServiceRestartIT}, whose packaged service
 * restores a shutdown savepoint onto the heap.
 */
@EnabledIfSystemProperty(
        named = "recovery.heap",
        matches = "true",
        disabledReason = "a long run: in the chaos profile, or with -Drecovery.heap=true")
class HeapCheckpointRecoveryIT extends CheckpointRecoveryIT {

    private static final int DEFAULT_KILLS = 2;

    private static final List<Kill> ROTATION = List.of(
            new Kill(Aim.RANDOM, Disk.EMPTY, false),
            new Kill(Aim.MANIFEST_WRITTEN, Disk.KEPT, false),
            new Kill(Aim.LATEST_SWAPPED, Disk.EMPTY, false),
            new Kill(Aim.RETENTION, Disk.KEPT, false),
            new Kill(Aim.RANDOM, Disk.KEPT, true));

    @Override
    String backend() {
        return "heap";
    }

    @Override
    boolean keepsLocalState() {
        return false;
    }

    @Override
    String killsProperty() {
        return "recovery.heap.kills";
    }

    @Override
    int defaultKills() {
        return DEFAULT_KILLS;
    }

    @Override
    String figuresName() {
        return "recovery-kills-heap";
    }

    /** The heap's budget and use are published, and no partition left anything on the disk. */
    @Override
    void checkLastRun(ServiceProcess service, Path stateDir, ServiceLog log) {
        PrometheusScrape metrics = PrometheusScrape.of(service);
        double budget = value(metrics, "login_state_heap_state_budget_bytes");
        assertThat(budget).as("the heap budget").isPositive();
        assertThat(value(metrics, "login_state_heap_state_bytes"))
                .as("heap state bytes")
                .isPositive()
                .isLessThan(budget);
        assertThat(log.lines("State backend: heap")).isNotEmpty();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            assertThat(stateDir.resolve(TOPIC + "-" + partition))
                    .as("the heap keeps no local state")
                    .doesNotExist();
        }
    }

    private static double value(PrometheusScrape metrics, String name) {
        return metrics.samples().stream()
                .filter(sample -> sample.name().equals(name))
                .mapToDouble(PrometheusScrape.Sample::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not published"));
    }

    @Override
    List<Kill> schedule(int kills) {
        return IntStream.range(0, kills)
                .mapToObj(i -> ROTATION.get(i % ROTATION.size()))
                .toList();
    }
}
