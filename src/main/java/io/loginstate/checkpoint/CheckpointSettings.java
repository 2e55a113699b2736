package io.loginstate.checkpoint;

import java.time.Duration;

/** The knobs of one partition's checkpointing (from {@code login-state.checkpoint.*}). */
public record CheckpointSettings(int retained, Duration orphanMinAge, Duration initialRetryBackoff, Duration maxRetryBackoff) {

    public CheckpointSettings {
        if (retained < 1) {
            throw new IllegalArgumentException("login-state.checkpoint.retained must be at least 1, was " + retained);
        }
    }
}
