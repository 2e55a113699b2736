package io.loginstate.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * Erasure on request ({@code login-state.erasure.*}): {@code DELETE /users/{id}}, its receipts
 * under {@code erasures/} in the object store, and the savepoints rewritten without the user.
 */
public interface ErasureSettings {

    /**
     * The secret that keys the HMAC-SHA256 naming a user in receipts (their {@code subject}), e.g.
     * from a Kubernetes Secret; at least 16 characters. Absent: erasure requests answer 503
     * {@code ERASURE_NOT_CONFIGURED}; erase commands on the topic are still applied.
     */
    @WithName("subject-key")
    Optional<String> subjectKey();

    /** What becomes of savepoints that hold an erased user: {@code rewrite} (without the user) or {@code delete}. */
    @WithDefault("rewrite")
    String savepoints();

    /** How often every instance advances the receipts of the erasures in the partitions it owns. */
    @WithName("poll-interval")
    @WithDefault("2s")
    Duration pollInterval();

    /** Longest wait for the broker to acknowledge an erase command before the request answers 503. */
    @WithName("record-timeout")
    @WithDefault("10s")
    Duration recordTimeout();
}
