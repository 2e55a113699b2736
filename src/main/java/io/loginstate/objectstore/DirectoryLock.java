package io.loginstate.objectstore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Mutual exclusion for the mutations of one store directory, across threads and processes: a lock
 * shared by every instance in this JVM that uses the same directory, then an OS lock on a lock file.
 *
 * <p>Both are needed: OS file locks are held per process (a second thread of the same JVM would
 * get an {@code OverlappingFileLockException}, not a wait), and closing any channel of the file
 * releases the process's lock on it. Holding the JVM-wide lock first means only one channel of the
 * file is ever open in this process.
 */
final class DirectoryLock {

    /** What runs under the lock. */
    interface Action<T> {
        T run() throws IOException;
    }

    private static final ConcurrentMap<Path, ReentrantLock> LOCKS_BY_FILE = new ConcurrentHashMap<>();
    private static final long POLL_MILLIS = 2;

    private final Path lockFile;
    private final ReentrantLock processLock;
    private final Duration timeout;

    /** {@code lockFile} must be a real path (no symbolic links), so all users agree on it. */
    DirectoryLock(Path lockFile, Duration timeout) {
        this.lockFile = lockFile;
        this.processLock = LOCKS_BY_FILE.computeIfAbsent(lockFile, file -> new ReentrantLock());
        this.timeout = timeout;
    }

    /** Runs {@code action} holding the lock; waits at most the timeout for it. */
    <T> T call(Action<T> action) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!processLock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException("no lock after " + timeout + ": another thread holds " + lockFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + lockFile);
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock fileLock = awaitFileLock(channel, deadline);
            try {
                return action.run();
            } finally {
                fileLock.release();
            }
        } finally {
            processLock.unlock();
        }
    }

    private FileLock awaitFileLock(FileChannel channel, long deadline) throws IOException {
        // FileChannel.lock() cannot be bounded; polling tryLock() can. Contention between processes
        // is rare (conditional writes are a few per checkpoint), so the poll interval costs nothing.
        FileLock fileLock = channel.tryLock();
        while (fileLock == null) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("no lock after " + timeout + ": another process holds " + lockFile);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + lockFile);
            }
            fileLock = channel.tryLock();
        }
        return fileLock;
    }
}
