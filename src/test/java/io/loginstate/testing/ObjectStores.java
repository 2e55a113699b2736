package io.loginstate.testing;

import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Object stores of both kinds for tests parameterised over them: a local directory, or a real
 * S3Proxy started once per test class. Register as a static {@code @RegisterExtension} field.
 */
public final class ObjectStores implements BeforeAllCallback, AfterAllCallback {

    /** The two store implementations. */
    public enum Kind {
        DIRECTORY,
        S3
    }

    private static final AtomicInteger STORES = new AtomicInteger();
    private final String bucket;
    private final UnaryOperator<S3Settings> tuning;
    private S3ProxyServer server;

    public ObjectStores(String bucket) {
        this(bucket, UnaryOperator.identity());
    }

    public ObjectStores(String bucket, UnaryOperator<S3Settings> tuning) {
        this.bucket = bucket;
        this.tuning = tuning;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = S3ProxyServer.start(bucket);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    /** Settings of the test bucket, with this extension's tuning. */
    public S3Settings s3Settings() {
        return tuning.apply(server.settings(bucket));
    }

    public URI endpoint() {
        return server.endpoint();
    }

    /** A store of its own: a fresh directory under {@code dir}, or a fresh prefix of the bucket. */
    public ObjectStore open(Kind kind, Path dir) {
        int id = STORES.incrementAndGet();
        return switch (kind) {
            case DIRECTORY -> new DirectoryObjectStore(dir.resolve("store-" + id));
            case S3 ->
                S3ObjectStore.create(
                        s3Settings().toBuilder().prefix("run-" + id).build());
        };
    }
}
