package io.loginstate.testing;

import static org.awaitility.Awaitility.await;

import io.loginstate.objectstore.S3Settings;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.Constants;

/**
 * A real S3-compatible server in the test JVM: S3Proxy with its filesystem backend in a temporary
 * directory, on a free port of 127.0.0.1, requiring AWS signatures (v2 or v4) with a fixed
 * identity. Conditional writes are atomic, as on S3, so fencing can be tested against it: S3Proxy
 * makes {@code If-None-Match: *} atomic itself, {@link AtomicIfMatchBlobStore} adds {@code If-Match}.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY_ID = "login-state-test";
    public static final String SECRET_ACCESS_KEY = "login-state-test-secret";
    public static final String REGION = "us-east-1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path baseDir;
    private final BlobStore blobStore;
    private S3Proxy proxy;
    private final URI endpoint;

    private S3ProxyServer(Path baseDir, BlobStore blobStore, S3Proxy proxy) {
        this.baseDir = baseDir;
        this.blobStore = blobStore;
        this.proxy = proxy;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Starts a server holding the given (empty) buckets. */
    public static S3ProxyServer start(String... buckets) {
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory("s3proxy");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        properties.setProperty(Constants.PROPERTY_IDENTITY, ACCESS_KEY_ID);
        properties.setProperty(Constants.PROPERTY_CREDENTIAL, SECRET_ACCESS_KEY);
        BlobStore blobStore = BlobStores.create("filesystem", properties);
        for (String bucket : buckets) {
            blobStore.createContainer(bucket);
            if (!blobStore.containerExists(bucket)) {
                blobStore.close();
                throw new IllegalArgumentException("S3Proxy did not create bucket '" + bucket + "' (an invalid name?)");
            }
        }
        S3Proxy proxy = null;
        try {
            // Port 0: the system picks a free port, with no window for another process to take it.
            proxy = startProxy(blobStore, 0);
            return new S3ProxyServer(baseDir, blobStore, proxy);
        } catch (Exception e) {
            if (proxy != null) {
                stopQuietly(proxy);
            }
            blobStore.close();
            Directories.deleteRecursively(baseDir);
            throw new IllegalStateException("S3Proxy did not start", e);
        }
    }

    private static S3Proxy startProxy(BlobStore blobStore, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new AtomicIfMatchBlobStore(blobStore))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                // Tests have finished their requests when they close the server: no graceful drain.
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
            await("S3Proxy started")
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> "STARTED".equals(proxy.getState()));
            return proxy;
        } catch (Exception e) {
            stopQuietly(proxy);
            throw e;
        }
    }

    /** An outage: the server stops answering (connections refused); the stored objects stay. */
    public synchronized void stop() {
        stopQuietly(proxy);
    }

    /** The end of an outage: the server answers again on the same port with the same objects. */
    public synchronized void restart() {
        try {
            proxy = startProxy(blobStore, endpoint.getPort());
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start again on " + endpoint, e);
        }
    }

    /** Client settings for one of this server's buckets, with short timeouts so failures surface fast. */
    public S3Settings settings(String bucket) {
        return S3Settings.builder(bucket)
                .endpoint(endpoint())
                .region(REGION)
                .pathStyleAccess(true)
                .credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
                .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), 3)
                .build();
    }

    /** The service's {@code login-state.object-store.*} settings for this server's bucket under a prefix. */
    public Map<String, String> serviceProperties(String bucket, String prefix) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("login-state.object-store.type", "s3");
        properties.put("login-state.object-store.s3.endpoint", endpoint().toString());
        properties.put("login-state.object-store.s3.bucket", bucket);
        properties.put("login-state.object-store.s3.prefix", prefix);
        properties.put("login-state.object-store.s3.region", REGION);
        properties.put("login-state.object-store.s3.path-style-access", "true");
        properties.put("login-state.object-store.s3.access-key-id", ACCESS_KEY_ID);
        properties.put("login-state.object-store.s3.secret-access-key", SECRET_ACCESS_KEY);
        return properties;
    }

    /** Where the filesystem backend keeps a bucket's objects: each one a plain file at its key's path. */
    public Path objectDirectory(String bucket) {
        return baseDir.resolve(bucket);
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public synchronized void close() {
        stopQuietly(proxy);
        blobStore.close();
        Directories.deleteRecursively(baseDir);
    }

    private static void stopQuietly(S3Proxy proxy) {
        try {
            proxy.stop();
        } catch (Exception e) {
            // Stopping a test server: nothing left to do about it.
        }
    }
}
