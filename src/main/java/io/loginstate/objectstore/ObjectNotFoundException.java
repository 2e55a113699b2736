package io.loginstate.objectstore;

/** The operation needs an object that does not exist. */
public class ObjectNotFoundException extends ObjectStoreException {

    public ObjectNotFoundException(String storeName, String operation, String key) {
        super(storeName, operation, key, "no such object", null);
    }
}
