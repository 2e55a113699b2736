package io.loginstate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.gaul.s3proxy.S3ErrorCode;
import org.gaul.s3proxy.S3ProxyException;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Makes S3Proxy's {@code If-Match} on PUT atomic, as it is on S3. S3Proxy's filesystem backend
 * creates with {@code If-None-Match: *} atomically (a hard link), but checks {@code If-Match} with a
 * HEAD before an unconditional write, so racing writers from one version can all win. Here every
 * write and delete of the server is serialised and {@code If-Match} is checked again inside that
 * section; S3Proxy's own earlier check only rejects sooner.
 */
final class AtomicIfMatchBlobStore extends ForwardingBlobStore {

    AtomicIfMatchBlobStore(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public synchronized PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        String ifMatch = request.ifMatch();
        if (ifMatch != null && !"*".equals(ifMatch)) {
            HeadObjectResponse current = delegate().blobMetadataIfPresent(request.bucket(), request.key());
            if (current == null) {
                reject(input, S3ErrorCode.NO_SUCH_KEY);
            }
            if (!unquoted(ifMatch).equals(unquoted(current.eTag()))) {
                reject(input, S3ErrorCode.PRECONDITION_FAILED);
            }
        }
        return delegate().putBlob(request, input);
    }

    /** Reads the request body first: answering before it is read breaks the client's connection. */
    private static void reject(InputStream input, S3ErrorCode error) {
        try {
            input.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // The answer is the rejection either way.
        }
        throw new S3ProxyException(error);
    }

    @Override
    public synchronized DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        return delegate().removeBlob(request);
    }

    private static String unquoted(String eTag) {
        return eTag == null ? "" : eTag.replace("\"", "");
    }
}
