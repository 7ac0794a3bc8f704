package dev.pilothouse.engine;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sessions that appeared on a shared runtime before its context's first reconcile was done: held,
 * not adopted one by one. The runtime's watches deliver their first lists' objects after they count
 * as live, so a fresh engine on 20,000 sessions heard 20,000 "appeared" while its reconcile adopted
 * them in batches, and adopting each alone beside it (a durable write each) cost seconds. Once the
 * reconcile is done, the held ones it did not adopt are looked at as any appearance is.
 */
final class EarlyAppearances {
    private final Map<String, Set<String>> held = new HashMap<>();
    private final Set<String> settled = new HashSet<>();

    /** Holds {@code id} if {@code context} is not reconciled yet; false when it is (adopt it now). */
    synchronized boolean hold(String context, String id) {
        if (settled.contains(context)) {
            return false;
        }
        held.computeIfAbsent(context, c -> new HashSet<>()).add(id);
        return true;
    }

    /** {@code context} is reconciled: what appeared before, from now on nothing is held for it. */
    synchronized Set<String> settle(String context) {
        settled.add(context);
        Set<String> early = held.remove(context);
        return early == null ? Set.of() : early;
    }
}
