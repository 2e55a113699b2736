package io.loginstate.objectstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket (AWS or any S3-compatible server), under the configured key prefix.
 *
 * <p>Conditional writes are S3's own: {@code If-None-Match: *} and {@code If-Match: <ETag>}, atomic
 * on the server against every other write of the key; the version is the ETag. The client is the
 * synchronous SDK client over the Apache HTTP client, which reports a lost race as the server's
 * 412 (other HTTP clients were seen to turn it into an I/O error). Uploads are single PUTs: S3
 * takes up to 5 GiB per PUT, far above checkpoint files (tens to a few hundred MB); multipart would
 * only pay off with parallel parts for much larger files.
 */
public final class S3ObjectStore implements ObjectStore {

    private static final int PRECONDITION_FAILED = 412;
    private static final int CONFLICT = 409;
    private static final int NOT_FOUND = 404;

    private final String name;
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int listPageSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A store over its own client, closed with the store. */
    public static S3ObjectStore create(S3Settings settings) {
        return new S3ObjectStore(settings, buildClient(settings));
    }

    /** A store over {@code s3}, which the store closes. */
    public S3ObjectStore(S3Settings settings, S3Client s3) {
        this.name = settings.location();
        this.s3 = s3;
        this.bucket = settings.bucket();
        this.prefix = settings.prefix();
        this.listPageSize = settings.listPageSize();
    }

    static S3Client buildClient(S3Settings settings) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyleAccess())
                .credentialsProvider(credentials(settings))
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.socketTimeout()))
                .overrideConfiguration(
                        override -> override.retryStrategy(retry -> retry.maxAttempts(settings.maxAttempts())));
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKeyId().isPresent()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    settings.accessKeyId().get(), settings.secretAccessKey().orElseThrow()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void put(String key, Path file) {
        call("put", key, () -> s3.putObject(putRequest(key).build(), RequestBody.fromFile(file)));
    }

    @Override
    public void put(String key, byte[] bytes) {
        call("put", key, () -> s3.putObject(putRequest(key).build(), RequestBody.fromBytes(bytes)));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes) {
        return conditionalPut("putIfAbsent", key, putRequest(key).ifNoneMatch("*"), bytes);
    }

    @Override
    public boolean replaceIfMatch(String key, byte[] bytes, String expectedVersion) {
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        return conditionalPut("replaceIfMatch", key, putRequest(key).ifMatch(expectedVersion), bytes);
    }

    private boolean conditionalPut(String operation, String key, PutObjectRequest.Builder request, byte[] bytes) {
        // Some S3-compatible servers (S3Proxy on Jetty) answer a failed condition before reading the
        // body, then close the connection without saying so: the pooled connection's next request
        // fails with a broken pipe. Conditional writes are rare (a few per checkpoint), so each
        // asks for its own connection and nothing reuses one a refusal may have spoiled.
        request.overrideConfiguration(override -> override.putHeader("Connection", "close"));
        return call(operation, key, () -> {
            try {
                s3.putObject(request.build(), RequestBody.fromBytes(bytes));
                return true;
            } catch (S3Exception e) {
                // 412: the condition does not hold. 409: a concurrent conditional write of the key won
                // the race. 404: If-Match on a key that is gone (some servers answer 412 instead).
                int status = e.statusCode();
                if (status == PRECONDITION_FAILED || status == CONFLICT || (status == NOT_FOUND && isMissingKey(e))) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<byte[]> get(String key) {
        return getBytes("get", key).map(ResponseBytes::asByteArray);
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        return getBytes("getVersioned", key)
                .map(response -> new Versioned(
                        response.asByteArray(), response.response().eTag()));
    }

    private Optional<ResponseBytes<GetObjectResponse>> getBytes(String operation, String key) {
        return call(operation, key, () -> {
            try {
                return Optional.of(s3.getObjectAsBytes(getRequest(key)));
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public void download(String key, Path target) {
        call("download", key, () -> {
            Path directory = target.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, "." + target.getFileName(), ".download");
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(getRequest(key))) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (NoSuchKeyException e) {
                throw new ObjectNotFoundException(name, "download", key);
            } finally {
                Files.deleteIfExists(partial);
            }
            return null;
        });
    }

    @Override
    public List<ObjectInfo> list(String keyPrefix) {
        ObjectKeys.requireValidPrefix(keyPrefix);
        return call("list", keyPrefix, () -> {
            List<ObjectInfo> found = new ArrayList<>();
            ListObjectsV2Request.Builder request = ListObjectsV2Request.builder()
                    .bucket(bucket)
                    .prefix(prefix + keyPrefix)
                    .maxKeys(listPageSize);
            ListObjectsV2Response page;
            do {
                page = s3.listObjectsV2(request.build());
                for (S3Object object : page.contents()) {
                    found.add(new ObjectInfo(
                            object.key().substring(prefix.length()), object.size(), object.lastModified()));
                }
                request.continuationToken(page.nextContinuationToken());
            } while (Boolean.TRUE.equals(page.isTruncated()));
            return found;
        });
    }

    @Override
    public void delete(String key) {
        call(
                "delete",
                key,
                () -> s3.deleteObject(request -> request.bucket(bucket).key(objectKey(key))));
    }

    /** A HEAD answer carries no error code: a missing bucket reads as a missing object here only. */
    @Override
    public boolean exists(String key) {
        return call("exists", key, () -> {
            try {
                s3.headObject(request -> request.bucket(bucket).key(objectKey(key)));
                return true;
            } catch (NoSuchKeyException e) {
                return false;
            }
        });
    }

    /** Closes the client and its connection pool; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            s3.close();
        }
    }

    @Override
    public String toString() {
        return name;
    }

    private String objectKey(String key) {
        return prefix + ObjectKeys.requireValid(key);
    }

    private PutObjectRequest.Builder putRequest(String key) {
        return PutObjectRequest.builder().bucket(bucket).key(objectKey(key));
    }

    private GetObjectRequest getRequest(String key) {
        return GetObjectRequest.builder().bucket(bucket).key(objectKey(key)).build();
    }

    private static boolean isMissingKey(S3Exception e) {
        return e instanceof NoSuchKeyException
                || (e.awsErrorDetails() != null
                        && "NoSuchKey".equals(e.awsErrorDetails().errorCode()));
    }

    private interface S3Call<T> {
        T run() throws IOException;
    }

    private <T> T call(String operation, String key, S3Call<T> action) {
        try {
            return action.run();
        } catch (SdkException | IOException | UncheckedIOException e) {
            throw new ObjectStoreException(name, operation, key, e);
        }
    }
}
