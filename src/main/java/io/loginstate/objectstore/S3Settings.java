package io.loginstate.objectstore;

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
public record S3Settings(
        Optional<URI> endpoint,
        String bucket,
        String prefix,
        String region,
        boolean pathStyleAccess,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey,
        Duration connectTimeout,
        Duration socketTimeout,
        int maxAttempts,
        int listPageSize) {

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
            throw new IllegalArgumentException(
                    "listPageSize must be in 1.." + MAX_LIST_PAGE_SIZE + ": " + listPageSize);
        }
    }

    /** A bucket on AWS in the default region, default credentials, no prefix. */
    public static S3Settings of(String bucket) {
        return builder(bucket).build();
    }

    public static Builder builder(String bucket) {
        return new Builder(bucket);
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder builder = new Builder(bucket)
                .prefix(prefix)
                .region(region)
                .pathStyleAccess(pathStyleAccess)
                .timeouts(connectTimeout, socketTimeout, maxAttempts)
                .listPageSize(listPageSize);
        builder.endpoint = endpoint;
        builder.accessKeyId = accessKeyId;
        builder.secretAccessKey = secretAccessKey;
        return builder;
    }

    /** Builds settings; everything but the bucket has a default. */
    public static final class Builder {
        private String bucket;
        private Optional<URI> endpoint = Optional.empty();
        private String prefix = "";
        private String region = DEFAULT_REGION;
        private boolean pathStyleAccess;
        private Optional<String> accessKeyId = Optional.empty();
        private Optional<String> secretAccessKey = Optional.empty();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private int listPageSize = MAX_LIST_PAGE_SIZE;

        private Builder(String bucket) {
            this.bucket = bucket;
        }

        public Builder bucket(String value) {
            this.bucket = value;
            return this;
        }

        public Builder endpoint(URI value) {
            this.endpoint = Optional.of(value);
            return this;
        }

        public Builder prefix(String value) {
            this.prefix = value;
            return this;
        }

        public Builder region(String value) {
            this.region = value;
            return this;
        }

        public Builder pathStyleAccess(boolean value) {
            this.pathStyleAccess = value;
            return this;
        }

        /** Static credentials; both null means the default credentials chain. */
        public Builder credentials(String id, String secret) {
            this.accessKeyId = Optional.ofNullable(id);
            this.secretAccessKey = Optional.ofNullable(secret);
            return this;
        }

        public Builder timeouts(Duration connect, Duration socket, int attempts) {
            this.connectTimeout = connect;
            this.socketTimeout = socket;
            this.maxAttempts = attempts;
            return this;
        }

        public Builder listPageSize(int value) {
            this.listPageSize = value;
            return this;
        }

        public S3Settings build() {
            return new S3Settings(
                    endpoint,
                    bucket,
                    prefix,
                    region,
                    pathStyleAccess,
                    accessKeyId,
                    secretAccessKey,
                    connectTimeout,
                    socketTimeout,
                    maxAttempts,
                    listPageSize);
        }
    }

    /** Where the objects are, e.g. {@code s3://bucket/prefix/ at http://host:port}; no credentials. */
    public String location() {
        return "s3://" + bucket + "/" + prefix
                + endpoint.map(uri -> " at " + uri).orElse("");
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
