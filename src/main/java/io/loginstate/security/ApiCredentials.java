package io.loginstate.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The credentials of the HTTP API, parsed from lines {@code <name>:<roles>:<secret>} ({@code #}
 * starts a comment). Only SHA-256 digests of the secrets are kept, and they are compared in
 * constant time. A secret is accepted with its name (HTTP Basic) or alone (a bearer token), so
 * secrets must be unique. Errors name the source and the line, never a secret.
 */
final class ApiCredentials {

    /** Shorter secrets are refused: they can be guessed. */
    static final int MIN_SECRET_LENGTH = 16;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    record Credential(String name, Set<String> roles) {}

    private record Entry(Credential credential, byte[] digest) {}

    private final Map<String, Entry> byName;
    private final Map<String, Entry> bySecretDigest;

    private ApiCredentials(Map<String, Entry> byName, Map<String, Entry> bySecretDigest) {
        this.byName = byName;
        this.bySecretDigest = bySecretDigest;
    }

    static ApiCredentials parse(List<String> lines, String source) {
        Map<String, Entry> byName = new HashMap<>();
        Map<String, Entry> bySecret = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + " line " + (i + 1);
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                throw new IllegalArgumentException(where + ": expected <name>:<roles>:<secret>");
            }
            String name = line.substring(0, first).strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        where + ": the name must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            Set<String> roles = new LinkedHashSet<>();
            for (String role : line.substring(first + 1, second).split(",")) {
                String trimmed = role.strip();
                if (!ApiRoles.ALL.contains(trimmed)) {
                    throw new IllegalArgumentException(
                            where + ": unknown role '" + trimmed + "'; roles are " + ApiRoles.ALL);
                }
                roles.add(trimmed);
            }
            String secret = line.substring(second + 1);
            if (secret.length() < MIN_SECRET_LENGTH) {
                throw new IllegalArgumentException(
                        where + ": the secret of '" + name + "' is shorter than " + MIN_SECRET_LENGTH + " characters");
            }
            Entry entry = new Entry(new Credential(name, Set.copyOf(roles)), digest(secret));
            if (byName.putIfAbsent(name, entry) != null) {
                throw new IllegalArgumentException(where + ": '" + name + "' appears twice");
            }
            if (bySecret.putIfAbsent(hex(entry.digest()), entry) != null) {
                throw new IllegalArgumentException(where + ": the secret of '" + name + "' is used twice");
            }
        }
        if (byName.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no credentials");
        }
        return new ApiCredentials(Map.copyOf(byName), Map.copyOf(bySecret));
    }

    int size() {
        return byName.size();
    }

    /** The credential named {@code name} if {@code secret} is its secret (HTTP Basic). */
    Optional<Credential> basic(String name, String secret) {
        Entry entry = byName.get(name);
        byte[] digest = digest(secret);
        // Compare even when the name is unknown, so timing does not tell which names exist.
        byte[] expected = entry == null ? new byte[digest.length] : entry.digest();
        boolean match = MessageDigest.isEqual(expected, digest);
        return entry != null && match ? Optional.of(entry.credential()) : Optional.empty();
    }

    /** The credential whose secret is {@code token} (a bearer token). */
    Optional<Credential> bearer(String token) {
        Entry entry = bySecretDigest.get(hex(digest(token)));
        return Optional.ofNullable(entry).map(Entry::credential);
    }

    private static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "ApiCredentials"
                + Arrays.toString(byName.keySet().stream().sorted().toArray());
    }
}
