package io.loginstate.it;

import java.util.List;
import java.util.stream.IntStream;

/**
 * {@link CheckpointRecoveryIT} with {@code login-state.state.backend=heap}: the state lives on the
 * heap only, so every restart, on a kept disk too, must restore each partition from its newest
 * usable checkpoint. Fewer kills ({@code -Drecovery.heap.kills=N}, default {@value #DEFAULT_KILLS})
 * and no kill between a restore's renames (the heap leaves no directory to rename away).
 */
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

    @Override
    List<Kill> schedule(int kills) {
        return IntStream.range(0, kills)
                .mapToObj(i -> ROTATION.get(i % ROTATION.size()))
                .toList();
    }
}
