package io.loginstate.bench;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * S3Proxy runs in the benchmark's JVM: its request path is compiled before the measured runs, as a
 * remote store's would be, so the first checkpointed run does not pay for its warm-up.
 */
public final class S3ProxyWarmUp {

    private S3ProxyWarmUp() {}

    /** Puts, conditional writes, downloads and lists under {@code warm-up/} of the bucket, then deletes them. */
    public static void run(S3Settings bucket, Path work) throws IOException {
        long start = System.nanoTime();
        Path file = work.resolve("warm-up.bin");
        byte[] bytes = new byte[1 << 20];
        new SplittableRandom(3).nextBytes(bytes);
        Files.write(file, bytes);
        try (ObjectStore store =
                S3ObjectStore.create(bucket.toBuilder().prefix("warm-up").build())) {
            for (int i = 0; i < 100; i++) {
                store.put("files/" + i, file);
                store.putIfAbsent("small/" + i, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                String version = store.getVersioned("small/" + i).orElseThrow().version();
                store.replaceIfMatch("small/" + i, ("{\"m\":" + i + "}").getBytes(StandardCharsets.UTF_8), version);
                store.download("files/" + i, work.resolve("warm-up.copy"));
                store.list("files/");
            }
            for (ObjectInfo object : store.list("")) {
                store.delete(object.key());
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(work.resolve("warm-up.copy"));
        }
        System.out.printf(Locale.ROOT, "S3Proxy warmed up in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
}
