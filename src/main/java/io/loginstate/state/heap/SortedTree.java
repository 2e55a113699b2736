package io.loginstate.state.heap;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A persistent AVL tree from byte-array keys (unsigned order) to byte-array values. Every change
 * returns a new root and copies only the path to the changed node; an existing root never changes,
 * so a reader holding one sees the same entries for as long as it holds it, without a lock, while
 * the writer builds the next. {@code null} is the empty tree.
 */
final class SortedTree {

    /** One entry; immutable once built. */
    static final class Node {
        final byte[] key;
        final byte[] value;
        final Node left;
        final Node right;
        final int height;

        Node(byte[] key, byte[] value, Node left, Node right) {
            this.key = key;
            this.value = value;
            this.left = left;
            this.right = right;
            this.height = Math.max(height(left), height(right)) + 1;
        }
    }

    /** What a put or remove replaced: the previous value (null if the key was absent). */
    static final class Replaced {
        byte[] value;
    }

    private SortedTree() {}

    static int height(Node node) {
        return node == null ? 0 : node.height;
    }

    static byte[] get(Node root, byte[] key) {
        Node node = root;
        while (node != null) {
            int order = Arrays.compareUnsigned(key, node.key);
            if (order == 0) {
                return node.value;
            }
            node = order < 0 ? node.left : node.right;
        }
        return null;
    }

    static Node put(Node node, byte[] key, byte[] value, Replaced replaced) {
        if (node == null) {
            replaced.value = null;
            return new Node(key, value, null, null);
        }
        int order = Arrays.compareUnsigned(key, node.key);
        if (order == 0) {
            replaced.value = node.value;
            return new Node(node.key, value, node.left, node.right);
        }
        if (order < 0) {
            return balance(node.key, node.value, put(node.left, key, value, replaced), node.right);
        }
        return balance(node.key, node.value, node.left, put(node.right, key, value, replaced));
    }

    /** The tree without {@code key}; the same root if the key was absent. */
    static Node remove(Node node, byte[] key, Replaced replaced) {
        if (node == null) {
            replaced.value = null;
            return null;
        }
        int order = Arrays.compareUnsigned(key, node.key);
        if (order < 0) {
            Node left = remove(node.left, key, replaced);
            return left == node.left ? node : balance(node.key, node.value, left, node.right);
        }
        if (order > 0) {
            Node right = remove(node.right, key, replaced);
            return right == node.right ? node : balance(node.key, node.value, node.left, right);
        }
        replaced.value = node.value;
        if (node.left == null) {
            return node.right;
        }
        if (node.right == null) {
            return node.left;
        }
        Node successor = node.right;
        while (successor.left != null) {
            successor = successor.left;
        }
        return balance(successor.key, successor.value, node.left, removeFirst(node.right));
    }

    private static Node removeFirst(Node node) {
        if (node.left == null) {
            return node.right;
        }
        return balance(node.key, node.value, removeFirst(node.left), node.right);
    }

    private static Node balance(byte[] key, byte[] value, Node left, Node right) {
        int leftHeight = height(left);
        int rightHeight = height(right);
        if (leftHeight > rightHeight + 1) {
            if (height(left.left) >= height(left.right)) {
                return new Node(left.key, left.value, left.left, new Node(key, value, left.right, right));
            }
            Node pivot = left.right;
            return new Node(
                    pivot.key,
                    pivot.value,
                    new Node(left.key, left.value, left.left, pivot.left),
                    new Node(key, value, pivot.right, right));
        }
        if (rightHeight > leftHeight + 1) {
            if (height(right.right) >= height(right.left)) {
                return new Node(right.key, right.value, new Node(key, value, left, right.left), right.right);
            }
            Node pivot = right.left;
            return new Node(
                    pivot.key,
                    pivot.value,
                    new Node(key, value, left, pivot.left),
                    new Node(right.key, right.value, pivot.right, right.right));
        }
        return new Node(key, value, left, right);
    }

    /** Adds to {@code out} the entries with {@code from <= key < to} (to null: no upper bound) in order, up to {@code limit}. */
    static void scan(Node node, byte[] from, byte[] to, int limit, List<Map.Entry<byte[], byte[]>> out) {
        if (node == null || out.size() >= limit) {
            return;
        }
        boolean atOrAfterFrom = Arrays.compareUnsigned(node.key, from) >= 0;
        boolean beforeTo = to == null || Arrays.compareUnsigned(node.key, to) < 0;
        if (atOrAfterFrom) {
            scan(node.left, from, to, limit, out);
        }
        if (atOrAfterFrom && beforeTo && out.size() < limit) {
            out.add(Map.entry(node.key, node.value));
        }
        if (beforeTo) {
            scan(node.right, from, to, limit, out);
        }
    }

    /** Every entry in key order. */
    static void forEach(Node root, BiConsumer<byte[], byte[]> action) {
        Deque<Node> path = new ArrayDeque<>();
        Node node = root;
        while (node != null || !path.isEmpty()) {
            while (node != null) {
                path.push(node);
                node = node.left;
            }
            node = path.pop();
            action.accept(node.key, node.value);
            node = node.right;
        }
    }

    static long size(Node root) {
        long[] count = {0};
        forEach(root, (key, value) -> count[0]++);
        return count[0];
    }

    /** A balanced tree of entries already in strictly increasing key order, built in linear time. */
    static Node ofSorted(List<byte[]> keys, List<byte[]> values) {
        for (int i = 1; i < keys.size(); i++) {
            if (Arrays.compareUnsigned(keys.get(i - 1), keys.get(i)) >= 0) {
                throw new IllegalArgumentException("keys out of order at entry " + i);
            }
        }
        return build(keys, values, 0, keys.size());
    }

    private static Node build(List<byte[]> keys, List<byte[]> values, int from, int to) {
        if (from >= to) {
            return null;
        }
        int middle = (from + to) >>> 1;
        return new Node(
                keys.get(middle),
                values.get(middle),
                build(keys, values, from, middle),
                build(keys, values, middle + 1, to));
    }

    /** Checks the AVL invariants and key order; for tests. */
    static void check(Node node) {
        if (node == null) {
            return;
        }
        if (Math.abs(height(node.left) - height(node.right)) > 1) {
            throw new IllegalStateException("unbalanced");
        }
        if (node.left != null && Arrays.compareUnsigned(node.left.key, node.key) >= 0
                || node.right != null && Arrays.compareUnsigned(node.right.key, node.key) <= 0) {
            throw new IllegalStateException("out of order");
        }
        check(node.left);
        check(node.right);
    }
}
