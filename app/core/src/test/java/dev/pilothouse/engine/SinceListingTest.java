package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.Store;
import dev.pilothouse.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** A reconcile's listing knows which of its sessions changed since, on a real store. */
class SinceListingTest {
    @TempDir
    Path dir;
    Store store;
    AgentDefinition reference;
    final Instant t0 = Instant.parse("2026-01-20T10:00:00Z");

    @BeforeEach
    void open() {
        store = Store.open(dir);
        reference = Fixtures.reference(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aSessionWrittenSinceTheListingIsNotTakenAsListed() {
        Session a = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session b = Fixtures.insert(store, reference, "b", SessionState.READY, t0);
        SinceListing listing = SinceListing.of(store, tx -> tx.listSessions("local", false));
        assertThat(listing.sessions()).extracting(Session::name).containsExactlyInAnyOrder("a", "b");
        Session listedA = listing.sessions().stream().filter(s -> s.id().equals(a.id())).findFirst().orElseThrow();
        Session listedB = listing.sessions().stream().filter(s -> s.id().equals(b.id())).findFirst().orElseThrow();
        assertThat(listing.unchanged(listedA)).isTrue();
        assertThat(listing.unchanged(listedB)).isTrue();

        // a write to a; then one to a session created after the listing
        store.write(tx -> tx.saveSession(a, a.toBuilder().state(SessionState.IDLE).updatedAt(t0).build(), "x", "pause"));
        Fixtures.insert(store, reference, "c", SessionState.READY, t0);

        assertThat(listing.unchanged(listedA)).isFalse();
        assertThat(listing.unchanged(listedB)).isTrue();
        // and it stays known, whatever is written later
        Session c = store.read(tx -> tx.listSessions("local", false)).stream().filter(s -> s.name().equals("c"))
                .findFirst().orElseThrow();
        store.write(tx -> tx.saveSession(c, c.toBuilder().metadata("{\"k\":1}").updatedAt(t0).build(), "x", "y"));
        assertThat(listing.unchanged(listedA)).isFalse();
        assertThat(listing.unchanged(listedB)).isTrue();
        store.write(tx -> tx.saveSession(b, b.toBuilder().metadata("{\"k\":2}").updatedAt(t0).build(), "x", "y"));
        assertThat(listing.unchanged(listedB)).isFalse();
    }
}
