package io.loginstate.objectstore;

import io.loginstate.config.LoginStateConfig;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an {@link S3ObjectStore} is built from. The timeouts and retries are not configuration
 * keys: the defaults suit AWS and S3-compatible servers; tests shorten them.
 *
 * @param endpoint        the server, for S3-compatible stores; empty for AWS (region's endpoint)
 * @param prefix          prepended to every key; "" or ending with '/' (a missing '/' is added)
 * @param accessKeyId     with {@code secretAccessKey}: static credentials; both empty: the AWS
 *                        default credentials chain (environment, profile, web identity, instance role)
 * @param connectTimeout  to open a connection
 * @param socketTimeout   longest wait for data on an open connection, which bounds every call
 *                        without limiting the duration of large transfers
 * @param maxAttempts     attempts per call, including the first (the SDK retries throttling,
 *                        5xx answers and I/O errors)
 * @param listPageSize    keys per list request (S3 answers at most 1000)
 */
public record S3Settings(Optional<URI> endpoint, String bucket, String prefix, String region, boolean pathStyleAccess,
        Optional<String> accessKeyId, Optional<String> secretAccessKey,
        Duration connectTimeout, Duration socketTimeout, int maxAttempts, int listPageSize) {

    public static final String DEFAULT_REGION = "us-east-1";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final int MAX_LIST_PAGE_SIZE = 1000;

    public S3Settings {
        Objects.requireNonNull(endpoint, "endpoint");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("The S3 bucket must be set");
        }
        prefix = normalizePrefix(prefix);
        Objects.requireNonNull(region, "region");
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new IllegalArgumentException(
                    "S3 access key id and secret access key must be set together (or neither, for the default credentials chain)");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(socketTimeout, "socketTimeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        if (listPageSize < 1 || listPageSize > MAX_LIST_PAGE_SIZE) {
            throw new IllegalArgumentException("listPageSize must be in 1.." + MAX_LIST_PAGE_SIZE + ": " + listPageSize);
        }
    }

    /** A bucket on AWS in the default region, default credentials, no prefix. */
    public static S3Settings of(String bucket) {
        return new S3Settings(Optional.empty(), bucket, "", DEFAULT_REGION, false, Optional.empty(), Optional.empty(),
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT, DEFAULT_MAX_ATTEMPTS, MAX_LIST_PAGE_SIZE);
    }

    /** The settings under {@code login-state.object-store.s3}. */
    public static S3Settings from(LoginStateConfig.ObjectStore.S3 config) {
        S3Settings settings = of(config.bucket())
                .withPrefix(config.prefix().orElse(""))
                .withRegion(config.region())
                .withPathStyleAccess(config.pathStyleAccess());
        if (config.accessKeyId().isPresent() || config.secretAccessKey().isPresent()) {
            settings = settings.withCredentials(config.accessKeyId().orElse(null), config.secretAccessKey().orElse(null));
        }
        return config.endpoint().map(settings::withEndpoint).orElse(settings);
    }

    public S3Settings withEndpoint(URI endpoint) {
        return new S3Settings(Optional.of(endpoint), bucket, prefix, region, pathStyleAccess, accessKeyId,
                secretAccessKey, connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withBucket(String bucket) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, accessKeyId, secretAccessKey,
                connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withPrefix(String prefix) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, accessKeyId, secretAccessKey,
                connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withRegion(String region) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, accessKeyId, secretAccessKey,
                connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withPathStyleAccess(boolean pathStyleAccess) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, accessKeyId, secretAccessKey,
                connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withCredentials(String accessKeyId, String secretAccessKey) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, Optional.ofNullable(accessKeyId),
                Optional.ofNullable(secretAccessKey), connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withTimeouts(Duration connectTimeout, Duration socketTimeout, int maxAttempts) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, accessKeyId, secretAccessKey,
                connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    public S3Settings withListPageSize(int listPageSize) {
        return new S3Settings(endpoint, bucket, prefix, region, pathStyleAccess, accessKeyId, secretAccessKey,
                connectTimeout, socketTimeout, maxAttempts, listPageSize);
    }

    /** Where the objects are, e.g. {@code s3://bucket/prefix/ at http://host:port}; no credentials. */
    public String location() {
        return "s3://" + bucket + "/" + prefix + endpoint.map(uri -> " at " + uri).orElse("");
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return "S3Settings[" + location() + ", region=" + region + ", pathStyleAccess=" + pathStyleAccess
                + ", credentials=" + (accessKeyId.isPresent() ? "static " + accessKeyId.get() : "default chain")
                + ", connectTimeout=" + connectTimeout + ", socketTimeout=" + socketTimeout
                + ", maxAttempts=" + maxAttempts + ", listPageSize=" + listPageSize + "]";
    }

    private static String normalizePrefix(String prefix) {
        String trimmed = prefix == null ? "" : prefix.strip();
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        if (!trimmed.isEmpty() && !trimmed.endsWith("/")) {
            trimmed = trimmed + "/";
        }
        return ObjectKeys.requireValidPrefix(trimmed);
    }
}
