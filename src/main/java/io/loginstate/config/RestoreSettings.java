package io.loginstate.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import java.util.Optional;

/** Where partitions without state start from ({@code login-state.restore.*}). */
@ConfigMapping(prefix = "login-state.restore")
public interface RestoreSettings {

    /**
     * A complete savepoint's id: a partition opened with no local state and no checkpoint under this
     * deployment imports its part and starts at the part's offset. Once the partition has a
     * checkpoint the savepoint is no longer read.
     */
    @WithName("savepoint")
    Optional<String> savepoint();
}
