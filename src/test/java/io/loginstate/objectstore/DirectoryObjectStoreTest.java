package io.loginstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the directory store promises: processes sharing a directory, its files, its lock. */
class DirectoryObjectStoreTest {

    private static final String COUNTER = "p-0/counter";

    @TempDir
    Path dir;

    /**
     * Every writer increments a counter by compare-and-swap, all at once; any lost update would show
     * as a smaller total. Writers: two other JVMs and two store instances of this one.
     */
    @Test
    void conditionalWritesFromOtherProcessesAndInstancesLoseNoUpdate() throws Exception {
        int increments = 100;
        Path root = dir.resolve("store");
        Path go = dir.resolve("go");
        CountDownLatch start = new CountDownLatch(1);
        try (ObjectStore store = new DirectoryObjectStore(root)) {
            store.put(COUNTER, bytes("0"));
        }
        List<Process> processes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2; i++) {
                Path ready = dir.resolve("ready-" + i);
                processes.add(new ProcessBuilder(javaCommand(root, increments, ready, go))
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start());
                awaitFile(ready);
            }
            List<Future<Integer>> local = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                local.add(pool.submit(() -> {
                    start.await();
                    try (ObjectStore store = new DirectoryObjectStore(root)) {
                        return DirectoryCounter.increment(store, COUNTER, increments);
                    }
                }));
            }
            start.countDown();
            for (Process process : processes) {
                process.getOutputStream().write('\n');
                process.getOutputStream().flush();
            }
            int lost = 0;
            for (Future<Integer> future : local) {
                lost += future.get(30, TimeUnit.SECONDS);
            }
            for (Process process : processes) {
                assertThat(process.waitFor(30, TimeUnit.SECONDS))
                        .as("child finished")
                        .isTrue();
                assertThat(process.exitValue()).isZero();
                lost += Integer.parseInt(
                        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
            assertThat(lost).as("races lost: the writers did overlap").isPositive();
        } finally {
            pool.shutdownNow();
            processes.forEach(Process::destroyForcibly);
        }
        try (ObjectStore store = new DirectoryObjectStore(root)) {
            assertThat(store.get(COUNTER))
                    .map(DirectoryObjectStoreTest::text)
                    .hasValue(Integer.toString(4 * increments));
        }
    }

    private static List<String> javaCommand(Path root, int increments, Path ready, Path go) throws URISyntaxException {
        // Only this project's classes: a short class path starts the JVM fast.
        String classPath = Path.of(DirectoryObjectStore.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                + File.pathSeparator
                + Path.of(DirectoryCounter.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-cp",
                classPath,
                DirectoryCounter.class.getName(),
                root.toString(),
                COUNTER,
                Integer.toString(increments),
                ready.toString(),
                go.toString());
    }

    private static void awaitFile(Path file) {
        await("file " + file)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> Files.exists(file));
    }

    @Test
    void waitsForTheLockAtMostTheTimeoutAndSaysWhoHoldsIt() throws Exception {
        Path root = dir.resolve("store");
        try (ObjectStore store = new DirectoryObjectStore(root, Duration.ofMillis(200))) {
            DirectoryLock holder =
                    new DirectoryLock(root.toRealPath().resolve(DirectoryObjectStore.LOCK_FILE), Duration.ofSeconds(5));
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread thread = new Thread(() -> {
                try {
                    holder.call(() -> {
                        held.countDown();
                        awaitQuietly(release);
                        return null;
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            thread.start();
            held.await();
            long started = System.nanoTime();
            assertThatThrownBy(() -> store.putIfAbsent("p-0/owner", bytes("x")))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining(store.name())
                    .hasMessageContaining("putIfAbsent 'p-0/owner'")
                    .hasMessageContaining("no lock after PT0.2S");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            release.countDown();
            thread.join();
            assertThat(store.putIfAbsent("p-0/owner", bytes("x"))).isTrue();
        }
    }

    @Test
    void keepsObjectsAsFilesAndItsOwnFilesOutOfListings() throws IOException {
        Path root = dir.resolve("store");
        try (ObjectStore store = new DirectoryObjectStore(root)) {
            store.put("p-0/chk-1/MANIFEST", bytes("manifest"));
            store.putIfAbsent("p-0/owner", bytes("epoch 1"));
            assertThat(root.resolve("p-0/chk-1/MANIFEST")).hasContent("manifest");
            assertThat(root.resolve(DirectoryObjectStore.LOCK_FILE)).exists();
            assertThat(root.resolve(DirectoryObjectStore.STAGING_DIRECTORY)).isEmptyDirectory();
            assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("p-0/chk-1/MANIFEST", "p-0/owner");

            store.delete("p-0/chk-1/MANIFEST");
            assertThat(root.resolve("p-0/chk-1"))
                    .as("emptied directories are removed")
                    .doesNotExist();
            assertThat(root.resolve("p-0")).exists();
            store.delete("p-0/owner");
            assertThat(root.resolve("p-0")).doesNotExist();
            assertThat(root).exists();
        }
    }

    @Test
    void aKeyCannotBeBothAnObjectAndADirectoryOfOtherKeys() {
        try (ObjectStore store = new DirectoryObjectStore(dir.resolve("store"))) {
            store.put("p-0/a", bytes("object"));
            assertThatThrownBy(() -> store.put("p-0/a/b", bytes("x")))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("failed to put 'p-0/a/b'");
            store.put("p-1/a/b", bytes("object"));
            assertThatThrownBy(() -> store.putIfAbsent("p-1/a", bytes("x")))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("failed to putIfAbsent 'p-1/a'")
                    .hasMessageContaining("directory of other keys");
            assertThat(store.exists("p-1/a")).isFalse();
            assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("p-0/a", "p-1/a/b");
        }
    }

    @Test
    void removesOnlyStaleStagingFilesWhenOpened() throws IOException {
        Path root = dir.resolve("store");
        new DirectoryObjectStore(root).close();
        Path staging = root.resolve(DirectoryObjectStore.STAGING_DIRECTORY);
        Path crashed = Files.writeString(staging.resolve("object-crashed.tmp"), "left by a crash");
        Files.setLastModifiedTime(crashed, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path inFlight = Files.writeString(staging.resolve("object-in-flight.tmp"), "another process writing");

        new DirectoryObjectStore(root).close();
        assertThat(crashed).doesNotExist();
        assertThat(inFlight).exists();
    }

    @Test
    void removesAtOnceTheStagingFilesOfAWriterThatNoLongerRuns() throws Exception {
        // A writer killed mid-upload leaves its staging file, which may hold personal data: the
        // next store opened on the directory removes it at once, not an hour later.
        Path root = dir.resolve("store");
        new DirectoryObjectStore(root).close();
        Path staging = root.resolve(DirectoryObjectStore.STAGING_DIRECTORY);
        Process gone = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(), "-version")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(gone.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Path killed = Files.writeString(staging.resolve("object-" + gone.pid() + "-123.tmp"), "left by a kill");
        Path running = Files.writeString(
                staging.resolve("object-" + ProcessHandle.current().pid() + "-456.tmp"), "a live writer's");

        new DirectoryObjectStore(root).close();
        assertThat(killed).doesNotExist();
        assertThat(running).exists();
    }

    @Test
    void failsToOpenWhereAFileIsInTheWay() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        assertThatThrownBy(() -> new DirectoryObjectStore(file))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageStartingWith("Object store 'directory:" + file + "' failed to open: ");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
