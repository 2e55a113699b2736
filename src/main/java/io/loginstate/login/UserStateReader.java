package io.loginstate.login;

import io.loginstate.processing.PartitionProcessor;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Reads a user's committed state from a partition processor's store. */
public final class UserStateReader {

    private UserStateReader() {
    }

    /** Empty if the user is unknown or the partition is closed. */
    public static Optional<UserLoginState> read(PartitionProcessor processor, String userId) {
        byte[] key = userId.getBytes(StandardCharsets.UTF_8);
        return processor.read(store -> store.get(store.table(LoginStateTables.USERS), key))
                .map(UserLoginState::decode);
    }
}
