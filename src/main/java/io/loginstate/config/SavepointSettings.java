package io.loginstate.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * Savepoints ({@code login-state.savepoint.*}): the operator's complete, portable copy of all
 * partitions' state under {@code savepoints/<id>/} in the object store.
 */
public interface SavepointSettings {

    /**
     * How often every instance looks for open savepoint requests and writes the parts of the
     * partitions it owns (bounded below by 200 ms).
     */
    @WithName("poll-interval")
    @WithDefault("2s")
    Duration pollInterval();

    /**
     * On a graceful stop, before partitions close, write the parts of the partitions this instance
     * owns into the shutdown savepoint ({@code shutdown-<generation>}), within the close timeout.
     */
    @WithName("on-shutdown")
    @WithDefault("false")
    boolean onShutdown();

    /**
     * Unpinned savepoints older than this are deleted, and a restore refuses them (their offsets may
     * lie below the topic's retention). Absent: the TTL ({@code login-state.ttl.duration}).
     */
    @WithName("max-age")
    Optional<Duration> maxAge();

    /** How often the instance holding partition 0 deletes savepoints past their max age. */
    @WithName("expiry-interval")
    @WithDefault("10m")
    Duration expiryInterval();
}
