package io.loginstate.state.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.StateStoreException;
import io.loginstate.state.store.StorageUnavailableException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** RocksDB's status tells a failing volume from damaged files from any other failure. */
class RocksDBFailuresTest {

    private static StateStoreException of(Status.Code code, Status.SubCode subCode, String message) {
        return RocksDBFailures.of(
                "logins-0", "commit", new RocksDBException(message, new Status(code, subCode, message)));
    }

    @Test
    void aFullVolumeIsAStorageFailureThatRecoversWhenSpaceReturns() {
        StateStoreException full = of(
                Status.Code.IOError,
                Status.SubCode.NoSpace,
                "While appending to file: /state/logins-0/000012.sst: No space left on device");
        assertThat(full).isInstanceOf(StorageUnavailableException.class).hasMessageContaining("No space left");
        assertThat(((StorageUnavailableException) full).full()).isTrue();
    }

    @Test
    void anotherIoErrorIsAStorageFailureOfAVolumeThatIsNotFull() {
        StateStoreException failing =
                of(Status.Code.IOError, Status.SubCode.None, "While pread: /state/000009.sst: Input/output error");
        assertThat(failing).isInstanceOf(StorageUnavailableException.class);
        assertThat(((StorageUnavailableException) failing).full()).isFalse();
    }

    @Test
    void corruptionAndOtherFailuresAreNoStorageFailures() {
        assertThat(of(Status.Code.Corruption, Status.SubCode.None, "bad block"))
                .isInstanceOf(CorruptStateException.class)
                .isNotInstanceOf(StorageUnavailableException.class);
        assertThat(of(Status.Code.InvalidArgument, Status.SubCode.None, "bad option"))
                .isNotInstanceOf(StorageUnavailableException.class)
                .isNotInstanceOf(CorruptStateException.class);
    }

    @Test
    void aStorageFailureIsFoundAmongTheCauses() {
        StateStoreException full = of(Status.Code.IOError, Status.SubCode.NoSpace, "No space left on device");
        assertThat(StorageUnavailableException.in(new CompletionException(new IllegalStateException(full))))
                .isSameAs(full);
        assertThat(StorageUnavailableException.in(new IllegalStateException("a record's fault")))
                .isNull();
    }
}
