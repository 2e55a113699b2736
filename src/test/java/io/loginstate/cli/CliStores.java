package io.loginstate.cli;

import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The stores the command-line tests read, and the command line run in-process as picocli runs it. */
final class CliStores {

    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private CliStores() {}

    /** A store and the command-line options and service environment that name it. */
    record Store(ObjectStore store, List<String> options, Map<String, String> environment) {}

    record Run(int exitCode, String out, String err) {}

    /** A directory store at {@code root}, or a fresh prefix of the S3Proxy bucket; the caller closes it. */
    static Store open(ObjectStores stores, Kind kind, Path root) {
        if (kind == Kind.DIRECTORY) {
            return new Store(
                    new DirectoryObjectStore(root),
                    List.of("--store", "directory", "--dir", root.toString()),
                    Map.of(
                            "LOGIN_STATE_OBJECT_STORE_TYPE",
                            "directory",
                            "LOGIN_STATE_OBJECT_STORE_DIRECTORY_PATH",
                            root.toString()));
        }
        S3Settings settings = stores.s3Settings().toBuilder()
                .prefix("cli-" + PREFIXES.incrementAndGet())
                .build();
        return new Store(
                S3ObjectStore.create(settings),
                List.of(
                        "--store",
                        "s3",
                        "--bucket",
                        settings.bucket(),
                        "--prefix",
                        settings.prefix(),
                        "--endpoint",
                        stores.endpoint().toString(),
                        "--region",
                        settings.region(),
                        "--path-style",
                        "--access-key-id",
                        settings.accessKeyId().orElseThrow(),
                        "--secret-access-key",
                        settings.secretAccessKey().orElseThrow()),
                Map.of(
                        "LOGIN_STATE_OBJECT_STORE_TYPE", "s3",
                        "LOGIN_STATE_OBJECT_STORE_S3_BUCKET", settings.bucket(),
                        "LOGIN_STATE_OBJECT_STORE_S3_PREFIX", settings.prefix(),
                        "LOGIN_STATE_OBJECT_STORE_S3_ENDPOINT",
                                stores.endpoint().toString(),
                        "LOGIN_STATE_OBJECT_STORE_S3_PATH_STYLE_ACCESS", "true",
                        "LOGIN_STATE_OBJECT_STORE_S3_ACCESS_KEY_ID",
                                settings.accessKeyId().orElseThrow(),
                        "LOGIN_STATE_OBJECT_STORE_S3_SECRET_ACCESS_KEY",
                                settings.secretAccessKey().orElseThrow()));
    }

    static Run run(InstantSource clock, Map<String, String> environment, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LoginStateCli.execute(
                args.toArray(String[]::new),
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                new LoginStateCli.Context(environment, clock));
        return new Run(code, out.toString(), err.toString());
    }

    /** The command with the store's options after it. */
    static Run run(InstantSource clock, Store store, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(store.options());
        return run(clock, Map.of(), all);
    }
}
