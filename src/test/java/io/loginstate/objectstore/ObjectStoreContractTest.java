package io.loginstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import io.loginstate.testing.S3ProxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What checkpoints rely on, kept by every store: a local directory and S3 (S3Proxy, in process). */
class ObjectStoreContractTest {

    /** Small, so listings take several pages. */
    private static final int LIST_PAGE_SIZE = 7;

    private static final int RACERS = 8;

    private static final String BUCKET = "checkpoints";

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores(
            BUCKET,
            settings -> settings.toBuilder().listPageSize(LIST_PAGE_SIZE).build());

    @TempDir
    Path dir;

    /** A store of its own: a fresh directory, or a fresh prefix of the bucket. */
    private ObjectStore open(Kind kind) {
        return STORES.open(kind, dir);
    }

    private static S3Settings s3Settings() {
        return STORES.s3Settings();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void putGetExistsAndIdempotentDelete(Kind kind) {
        try (ObjectStore store = open(kind)) {
            assertThat(store.get("p-0/manifest")).isEmpty();
            assertThat(store.exists("p-0/manifest")).isFalse();

            store.put("p-0/manifest", bytes("one"));
            store.put("p-0/manifest", bytes("two"));
            assertThat(store.get("p-0/manifest"))
                    .map(ObjectStoreContractTest::text)
                    .hasValue("two");
            assertThat(store.exists("p-0/manifest")).isTrue();
            assertThat(store.exists("p-0")).as("a prefix is not an object").isFalse();
            assertThat(store.get("p-0")).isEmpty();

            store.put("p-0/empty", new byte[0]);
            assertThat(store.get("p-0/empty"))
                    .hasValueSatisfying(value -> assertThat(value).isEmpty());

            store.delete("p-0/manifest");
            assertThat(store.exists("p-0/manifest")).isFalse();
            assertThat(store.get("p-0/manifest")).isEmpty();
            store.delete("p-0/manifest");
            store.delete("never/there");
            assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("p-0/empty");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void listsByPlainStringPrefixAcrossPagesSortedWithSizes(Kind kind) {
        try (ObjectStore store = open(kind)) {
            List<String> shared = IntStream.range(0, 3 * LIST_PAGE_SIZE + 2)
                    .mapToObj(i -> "p-1/shared/%05d.sst".formatted(i))
                    .toList();
            for (String key : shared) {
                store.put(key, bytes(key));
            }
            store.put("p-1/chk-7/MANIFEST", bytes("manifest"));
            store.put("p-10/chk-1/MANIFEST", bytes("other partition"));
            store.put("p-2/chk-1/MANIFEST", bytes("x"));

            List<ObjectInfo> listed = store.list("p-1/shared/");
            assertThat(listed).extracting(ObjectInfo::key).containsExactlyElementsOf(shared);
            assertThat(listed)
                    .allSatisfy(
                            info -> assertThat(info.size()).isEqualTo(info.key().length()));

            assertThat(store.list("p-1/")).hasSize(shared.size() + 1);
            assertThat(store.list("p-1"))
                    .extracting(ObjectInfo::key)
                    .as("a plain prefix, not a directory")
                    .contains("p-10/chk-1/MANIFEST")
                    .hasSize(shared.size() + 2);
            assertThat(store.list("p-1/shared/0000"))
                    .extracting(ObjectInfo::key)
                    .containsExactlyElementsOf(shared.subList(0, 10));
            assertThat(store.list("p-1/chk-7/MANIFEST")).singleElement().satisfies(info -> {
                assertThat(info.key()).isEqualTo("p-1/chk-7/MANIFEST");
                assertThat(info.size()).isEqualTo(8);
                assertThat(info.lastModified())
                        .isBetween(
                                Instant.now().minusSeconds(300), Instant.now().plusSeconds(300));
            });
            assertThat(store.list("")).hasSize(shared.size() + 3);
            assertThat(store.list("p-3/")).isEmpty();
            assertThat(store.list("nothing")).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void uploadsAndDownloadsMultiMegabyteFiles(Kind kind) throws IOException {
        byte[] content = new byte[6 * 1024 * 1024 + 123];
        new Random(42).nextBytes(content);
        Path source = Files.write(dir.resolve("000042.sst"), content);
        Path target = dir.resolve("restore/000042.sst");
        try (ObjectStore store = open(kind)) {
            store.put("p-0/shared/000042.sst", source);
            assertThat(store.list("p-0/shared/"))
                    .extracting(ObjectInfo::key, ObjectInfo::size)
                    .containsExactly(Tuple.tuple("p-0/shared/000042.sst", (long) content.length));

            store.download("p-0/shared/000042.sst", target);
            assertThat(Files.readAllBytes(target)).isEqualTo(content);

            store.put("p-0/shared/000042.sst", bytes("replaced"));
            store.download("p-0/shared/000042.sst", target);
            assertThat(Files.readString(target))
                    .as("an existing target is replaced")
                    .isEqualTo("replaced");

            assertThatThrownBy(() -> store.download("p-0/shared/missing.sst", dir.resolve("restore/missing.sst")))
                    .isInstanceOf(ObjectNotFoundException.class)
                    .hasMessageContaining(store.name())
                    .hasMessageContaining("download")
                    .hasMessageContaining("'p-0/shared/missing.sst'");
            try (var files = Files.list(target.getParent())) {
                assertThat(files).as("no partial downloads left").containsExactly(target);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void putIfAbsentCreatesOnce(Kind kind) {
        try (ObjectStore store = open(kind)) {
            assertThat(store.putIfAbsent("p-0/owner", bytes("epoch 1"))).isTrue();
            assertThat(store.putIfAbsent("p-0/owner", bytes("epoch 2"))).isFalse();
            assertThat(store.get("p-0/owner"))
                    .map(ObjectStoreContractTest::text)
                    .hasValue("epoch 1");

            store.delete("p-0/owner");
            assertThat(store.putIfAbsent("p-0/owner", bytes("epoch 3")))
                    .as("absent again after a delete")
                    .isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void replaceIfMatchNeedsTheCurrentVersion(Kind kind) {
        try (ObjectStore store = open(kind)) {
            assertThat(store.getVersioned("p-0/owner")).isEmpty();
            assertThat(store.replaceIfMatch("p-0/owner", bytes("epoch 1"), "any"))
                    .as("missing object")
                    .isFalse();

            store.putIfAbsent("p-0/owner", bytes("epoch 1"));
            Versioned first = store.getVersioned("p-0/owner").orElseThrow();
            assertThat(text(first.bytes())).isEqualTo("epoch 1");

            assertThat(store.replaceIfMatch("p-0/owner", bytes("epoch 2"), first.version()))
                    .isTrue();
            Versioned second = store.getVersioned("p-0/owner").orElseThrow();
            assertThat(second.version()).isNotEqualTo(first.version());

            assertThat(store.replaceIfMatch("p-0/owner", bytes("epoch 3"), first.version()))
                    .as("stale version")
                    .isFalse();
            assertThat(store.get("p-0/owner"))
                    .map(ObjectStoreContractTest::text)
                    .hasValue("epoch 2");
            assertThat(store.replaceIfMatch("p-0/owner", bytes("epoch 3"), second.version()))
                    .isTrue();

            store.put("p-0/owner", bytes("overwritten"));
            assertThat(store.replaceIfMatch(
                            "p-0/owner",
                            bytes("epoch 4"),
                            store.getVersioned("p-0/owner").orElseThrow().version()))
                    .isTrue();
            store.delete("p-0/owner");
            assertThat(store.replaceIfMatch("p-0/owner", bytes("epoch 5"), second.version()))
                    .as("deleted")
                    .isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void racingPutIfAbsentHasExactlyOneWinner(Kind kind) throws Exception {
        try (ObjectStore store = open(kind)) {
            for (int round = 0; round < 3; round++) {
                String key = "p-0/owner-" + round;
                List<Boolean> results = race(racer -> store.putIfAbsent(key, bytes("racer " + racer)));
                assertThat(results).filteredOn(won -> won).hasSize(1);
                int winner = results.indexOf(true);
                assertThat(store.get(key)).map(ObjectStoreContractTest::text).hasValue("racer " + winner);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void racingReplaceIfMatchFromOneVersionHasExactlyOneWinner(Kind kind) throws Exception {
        try (ObjectStore store = open(kind)) {
            store.put("p-0/owner", bytes("epoch 0"));
            for (int round = 1; round <= 3; round++) {
                String version = store.getVersioned("p-0/owner").orElseThrow().version();
                int epoch = round;
                List<Boolean> results = race(
                        racer -> store.replaceIfMatch("p-0/owner", bytes("epoch " + epoch + " by " + racer), version));
                assertThat(results).filteredOn(won -> won).hasSize(1);
                int winner = results.indexOf(true);
                assertThat(store.get("p-0/owner"))
                        .map(ObjectStoreContractTest::text)
                        .hasValue("epoch " + epoch + " by " + winner);
            }
        }
    }

    /** Runs one call per racer, all released at once; the results in racer order. */
    private static List<Boolean> race(RacerCall call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int racer = 0; racer < RACERS; racer++) {
                int id = racer;
                Callable<Boolean> task = () -> {
                    start.await();
                    return call.run(id);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<Boolean> results = new ArrayList<>();
            for (Future<Boolean> future : futures) {
                results.add(future.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private interface RacerCall {
        boolean run(int racer);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void rejectsKeysNotEveryStoreCanHold(Kind kind) {
        try (ObjectStore store = open(kind)) {
            for (String key : List.of(
                    "",
                    "/p-0",
                    "p-0/",
                    "p-0//a",
                    "p-0/./a",
                    "p-0/../a",
                    ".lock",
                    "p-0/.staging/x",
                    "back\\slash",
                    "new\nline",
                    "x".repeat(256),
                    "a/".repeat(512) + "a")) {
                assertThatThrownBy(() -> store.put(key, bytes("x")))
                        .as(key)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.get(key)).as(key).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> store.list("/")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.list("p-0/.")).isInstanceOf(IllegalArgumentException.class);
            store.put("p-0/ünïcode key (1)+=,;@", bytes("fine"));
            assertThat(store.list("p-0/")).extracting(ObjectInfo::key).containsExactly("p-0/ünïcode key (1)+=,;@");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void failuresNameTheStoreTheOperationAndTheKey(Kind kind) {
        Path missing = dir.resolve("no-such-file.sst");
        try (ObjectStore store = open(kind)) {
            assertThatThrownBy(() -> store.put("p-0/shared/1.sst", missing))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining(store.name())
                    .hasMessageContaining("failed to put 'p-0/shared/1.sst'")
                    .satisfies(e ->
                            assertThat(((ObjectStoreException) e).operation()).isEqualTo("put"));
            assertThat(store.list("")).isEmpty();
        }
    }

    @Test
    void s3FailuresOnAMissingBucketNameTheStoreTheOperationAndTheKey() {
        try (ObjectStore store = S3ObjectStore.create(
                s3Settings().toBuilder().bucket("no-such-bucket").build())) {
            assertThat(store.name())
                    .contains("s3://no-such-bucket/")
                    .contains(STORES.endpoint().toString());
            assertFailure(() -> store.put("p-0/owner", bytes("x")), store, "put", "p-0/owner", "NoSuchBucket");
            assertFailure(
                    () -> store.putIfAbsent("p-0/owner", bytes("x")),
                    store,
                    "putIfAbsent",
                    "p-0/owner",
                    "NoSuchBucket");
            assertFailure(
                    () -> store.replaceIfMatch("p-0/owner", bytes("x"), "\"etag\""),
                    store,
                    "replaceIfMatch",
                    "p-0/owner",
                    "NoSuchBucket");
            assertFailure(() -> store.get("p-0/owner"), store, "get", "p-0/owner", "NoSuchBucket");
            assertFailure(() -> store.list("p-0/"), store, "list", "p-0/", "NoSuchBucket");
            assertFailure(
                    () -> store.download("p-0/owner", dir.resolve("owner")),
                    store,
                    "download",
                    "p-0/owner",
                    "NoSuchBucket");
        }
    }

    @Test
    void s3FailuresOnAnUnreachableEndpointComeQuicklyAndNameTheStore() {
        URI refused = URI.create("http://127.0.0.1:" + EmbeddedKafkaBroker.freePort());
        try (ObjectStore store = S3ObjectStore.create(s3Settings().toBuilder()
                .endpoint(refused)
                .timeouts(Duration.ofMillis(500), Duration.ofMillis(500), 2)
                .build())) {
            long started = System.nanoTime();
            assertFailure(() -> store.get("p-0/owner"), store, "get", "p-0/owner", "refused");
            assertFailure(
                    () -> store.putIfAbsent("p-0/owner", bytes("x")), store, "putIfAbsent", "p-0/owner", "refused");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void s3CallsToAServerThatNeverAnswersTimeOut() throws IOException {
        // Accepts connections (the backlog does) and never answers a request.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ObjectStore store = S3ObjectStore.create(s3Settings().toBuilder()
                        .endpoint(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                        .timeouts(Duration.ofMillis(500), Duration.ofMillis(300), 1)
                        .build())) {
            long started = System.nanoTime();
            assertFailure(() -> store.exists("p-0/owner"), store, "exists", "p-0/owner", "timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    private static void assertFailure(Runnable call, ObjectStore store, String operation, String key, String cause) {
        assertThatThrownBy(call::run)
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageStartingWith(
                        "Object store '" + store.name() + "' failed to " + operation + " '" + key + "': ")
                .hasMessageContaining(cause)
                .satisfies(e -> {
                    ObjectStoreException failure = (ObjectStoreException) e;
                    assertThat(failure.storeName()).isEqualTo(store.name());
                    assertThat(failure.operation()).isEqualTo(operation);
                    assertThat(failure.key()).isEqualTo(key);
                });
    }

    @Test
    void s3SettingsNeverShowTheSecretAndNeedBothCredentialsOrNone() {
        S3Settings settings = s3Settings();
        assertThat(settings.toString())
                .contains(S3ProxyServer.ACCESS_KEY_ID)
                .doesNotContain(S3ProxyServer.SECRET_ACCESS_KEY);
        assertThat(settings.toBuilder().prefix("/team/login-state").build().prefix())
                .isEqualTo("team/login-state/");
        assertThat(settings.toBuilder().prefix("").build().prefix()).isEmpty();
        assertThatThrownBy(
                        () -> S3Settings.builder(BUCKET).credentials("id", null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("together");
        assertThat(S3Settings.of(BUCKET).accessKeyId()).isEqualTo(Optional.empty());
    }
}
