package dev.pilothouse.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EarlyAppearancesTest {

    @Test
    void heldUntilTheirContextIsReconciledThenHandedOverOnceAndNoLongerHeld() {
        EarlyAppearances early = new EarlyAppearances();
        assertThat(early.hold("lab", "a")).isTrue();
        assertThat(early.hold("lab", "b")).isTrue();
        assertThat(early.hold("prod", "c")).isTrue();

        assertThat(early.settle("lab")).containsExactlyInAnyOrder("a", "b");
        assertThat(early.hold("lab", "d")).as("after its reconcile an appearance is adopted at once").isFalse();
        assertThat(early.settle("lab")).as("handed over once").isEmpty();
        assertThat(early.settle("prod")).containsExactly("c");
    }
}
