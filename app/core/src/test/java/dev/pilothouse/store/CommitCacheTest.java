package dev.pilothouse.store;

import dev.pilothouse.agent.AgentDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommitCacheTest {
    @TempDir
    Path dir;
    Store store;
    final AtomicInteger reads = new AtomicInteger();

    @BeforeEach
    void open() {
        store = Store.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Optional<AgentDefinition> read(String name) {
        reads.incrementAndGet();
        return store.read(tx -> tx.findLiveAgent(name));
    }

    @Test
    void aValueIsReadOncePerCommitAndReadAgainAfterAnyWrite() {
        CommitCache<String, Optional<AgentDefinition>> cache = new CommitCache<>(store::commitSeq, 10);
        Optional<AgentDefinition> first = cache.get("reference", this::read);
        assertThat(first).isPresent();
        assertThat(cache.get("reference", this::read)).isSameAs(first);
        assertThat(reads).hasValue(1);

        store.write(tx -> {
            tx.deleteAgent(first.get().id(), Instant.now());
            return null;
        });

        assertThat(cache.get("reference", this::read)).as("the deletion is seen at once").isEmpty();
        assertThat(reads).hasValue(2);
    }

    @Test
    void atMostCapacityValuesAreKeptAndAFailedReadIsNotKept() {
        CommitCache<String, Optional<AgentDefinition>> cache = new CommitCache<>(store::commitSeq, 2);
        for (String name : new String[] {"a", "b", "c"}) {
            cache.get(name, this::read);
        }
        cache.get("a", this::read);
        cache.get("b", this::read);
        cache.get("c", this::read);
        assertThat(reads).as("a and b kept, c read each time").hasValue(4);

        CommitCache<String, String> failing = new CommitCache<>(store::commitSeq, 2);
        assertThatThrownBy(() -> failing.get("x", k -> {
            throw new IllegalStateException("store unavailable");
        })).hasMessageContaining("unavailable");
        assertThat(failing.get("x", k -> "read")).isEqualTo("read");
    }
}
