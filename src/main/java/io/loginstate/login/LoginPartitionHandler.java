package io.loginstate.login;

import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.processing.Rejection;
import io.loginstate.state.PartitionStore;
import io.loginstate.state.StoreTable;
import io.loginstate.state.StoreWriteBatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies one partition's login events to per-user state. Per batch: parse every record, read the
 * users missing from the in-memory cache with one multi-get, apply the events in offset order,
 * then stage each touched user once. The cache only ever holds committed-or-staged state and is
 * dropped whole if a batch is not committed.
 */
final class LoginPartitionHandler implements PartitionStateHandler {

    private final PartitionStore store;
    private final StoreTable users;
    private final LoginEventParser parser;
    private final Map<String, UserLoginState> cache;
    private final Map<String, Touched> touched = new HashMap<>();

    LoginPartitionHandler(PartitionStore store, LoginEventParser parser, int cacheEntries) {
        this.store = store;
        this.users = store.table(LoginStateTables.USERS);
        this.parser = parser;
        this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, UserLoginState> eldest) {
                return size() > cacheEntries;
            }
        };
    }

    @Override
    public void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, StoreWriteBatch writes, List<Rejection> rejections) {
        touched.clear();
        LoginEvent[] events = new LoginEvent[records.size()];
        List<Touched> missing = new ArrayList<>();
        for (int i = 0; i < events.length; i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            try {
                LoginEvent event = parser.parse(record.key(), record.value(), record.timestamp());
                events[i] = event;
                if (!touched.containsKey(event.userId())) {
                    Touched user = new Touched(record.key(), cache.get(event.userId()));
                    touched.put(event.userId(), user);
                    if (user.state == null) {
                        missing.add(user);
                    }
                }
            } catch (InvalidEventException e) {
                rejections.add(new Rejection(record, e.reason().name(), e.getMessage()));
            }
        }
        loadMissing(missing);
        for (LoginEvent event : events) {
            if (event != null) {
                touched.get(event.userId()).state.apply(event.timestamp(), event.success());
            }
        }
        for (Map.Entry<String, Touched> entry : touched.entrySet()) {
            Touched user = entry.getValue();
            writes.put(users, user.key, user.state.encode());
            cache.put(entry.getKey(), user.state);
        }
    }

    private void loadMissing(List<Touched> missing) {
        if (missing.isEmpty()) {
            return;
        }
        List<byte[]> keys = new ArrayList<>(missing.size());
        for (Touched user : missing) {
            keys.add(user.key);
        }
        List<byte[]> values = store.multiGet(users, keys);
        for (int i = 0; i < missing.size(); i++) {
            byte[] value = values.get(i);
            missing.get(i).state = value == null ? new UserLoginState() : UserLoginState.decode(value);
        }
    }

    @Override
    public void discardUncommitted() {
        cache.clear();
        touched.clear();
    }

    /** A user touched by the current batch: its key bytes and working state. */
    private static final class Touched {
        final byte[] key;
        UserLoginState state;

        Touched(byte[] key, UserLoginState state) {
            this.key = key;
            this.state = state;
        }
    }
}
