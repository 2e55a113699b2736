package io.loginstate.app;

import io.loginstate.checkpoint.CheckpointSettings;
import io.loginstate.config.LoginStateConfig;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.api.StateVisibility;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.UpdateType;
import io.loginstate.state.ttl.TtlCleanupSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Turns the {@code login-state.*} configuration into the settings each part of the service takes. */
final class ConfigValues {

    private ConfigValues() {}

    static TtlConfig ttl(LoginStateConfig.Ttl ttl) {
        return new TtlConfig(
                ttl.duration(),
                named(UpdateType.class, ttl.updateType(), "login-state.ttl.update-type"),
                named(StateVisibility.class, ttl.visibility(), "login-state.ttl.visibility"),
                named(TimeCharacteristic.class, ttl.timeCharacteristic(), "login-state.ttl.time-characteristic"));
    }

    static TtlCleanupSettings cleanup(LoginStateConfig.Ttl ttl) {
        return new TtlCleanupSettings(ttl.cleanupBatchSize(), ttl.maxDeletionDelay());
    }

    /** The state settings every checkpoint manifest records. */
    static Map<String, String> stateConfig(LoginStateConfig.Ttl ttl) {
        TtlConfig config = ttl(ttl);
        return Map.of(
                "ttl.duration",
                ttl.duration().toString(),
                "ttl.update-type",
                config.updateType().name(),
                "ttl.visibility",
                config.visibility().name(),
                "ttl.time-characteristic",
                config.timeCharacteristic().name(),
                "ttl.allowed-lateness",
                ttl.allowedLateness().toString(),
                "ttl.wall-clock-backstop",
                Boolean.toString(ttl.wallClockBackstop()));
    }

    /** @param groupId the consumer group, this deployment's id unless one is configured */
    static CheckpointSettings checkpoint(LoginStateConfig.Checkpoint checkpoint, String groupId) {
        return new CheckpointSettings(
                checkpoint.retained(),
                checkpoint.orphanMinAge(),
                Duration.ofSeconds(1),
                checkpoint.maxRetryBackoff(),
                checkpoint.uploadThreads(),
                checkpoint.downloadThreads(),
                checkpoint.deploymentId().orElse(groupId),
                checkpoint.readLegacyLayout());
    }

    static ProcessorRegistry.Settings processing(LoginStateConfig config) {
        LoginStateConfig.Processing processing = config.processing();
        int threads =
                processing.threads().orElse(Math.max(2, Runtime.getRuntime().availableProcessors()));
        Optional<Duration> checkpoints =
                config.checkpoint().enabled() ? Optional.of(config.checkpoint().interval()) : Optional.empty();
        long maxUnuploaded =
                config.checkpoint().enabled() ? config.checkpoint().maxUnuploadedRecords() : Long.MAX_VALUE;
        return new ProcessorRegistry.Settings(
                threads,
                processing.maxQueuedBatches(),
                processing.closeTimeout(),
                config.ttl().cleanupInterval(),
                checkpoints,
                maxUnuploaded,
                processing.commitMaxRecords(),
                processing.commitInterval(),
                config.checkpoint().downloadThreads(),
                KeyPartitioner.named(config.partitioner()),
                processing.poisonAttempts(),
                processing.retryBackoff(),
                config.ttl().maxDeletionDelay().dividedBy(4));
    }

    /** The constant of {@code type} named by a setting (case and '-' or '_' do not matter). */
    /**
     * From an erase command's apply to its receipt's "complete": the deletion deadline, then one
     * checkpoint possibly in flight and {@code retained} more after the purge, then one poll of the
     * receipts to see it.
     */
    static Duration erasureBound(LoginStateConfig config) {
        Duration bound = config.ttl()
                .maxDeletionDelay()
                .plus(config.erasure().pollInterval().multipliedBy(2));
        if (config.checkpoint().enabled()) {
            bound = bound.plus(config.checkpoint()
                    .interval()
                    .multipliedBy(config.checkpoint().retained() + 1L));
        }
        return bound;
    }

    /** {@code login-state.erasure.savepoints}: true for {@code delete}, false for {@code rewrite}. */
    static boolean deleteErasedSavepoints(String mode) {
        return switch (mode) {
            case "delete" -> true;
            case "rewrite" -> false;
            default ->
                throw new IllegalArgumentException(
                        "login-state.erasure.savepoints must be rewrite or delete, not '" + mode + "'");
        };
    }

    static <E extends Enum<E>> E named(Class<E> type, String value, String key) {
        String wanted = value.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(wanted)) {
                return constant;
            }
        }
        throw new IllegalArgumentException(
                key + " is '" + value + "'; it must be one of " + Arrays.toString(type.getEnumConstants()));
    }
}
