package io.loginstate.objectstore;

/** The implementations {@code login-state.object-store.type} selects between. */
public enum ObjectStoreType {
    /** A local directory ({@link DirectoryObjectStore}): the embedded default. */
    DIRECTORY,
    /** An S3 bucket, on AWS or any S3-compatible server ({@link S3ObjectStore}). */
    S3
}
