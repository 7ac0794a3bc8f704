package dev.pilothouse.session;

import dev.pilothouse.errors.WrongStateException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

class StateMachineTest {
    /** The seed's table, written out pair by pair independently of the implementation. */
    private static final Set<String> SEED = Set.of(
            "INIT>READY", "INIT>ERROR",
            "READY>IDLE", "READY>BUSY", "READY>ERROR",
            "IDLE>READY", "IDLE>ERROR",
            "BUSY>READY", "BUSY>ERROR",
            "ERROR>INIT", "ERROR>READY");

    static Stream<Arguments> allPairs() {
        return Stream.of(SessionState.values())
                .flatMap(from -> Stream.of(SessionState.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("allPairs")
    void everyPairFollowsTheSeed(SessionState from, SessionState to) {
        boolean expected = SEED.contains(from + ">" + to);
        assertThat(StateMachine.allowed(from, to)).isEqualTo(expected);
        if (expected) {
            assertThatNoException().isThrownBy(() -> StateMachine.check(from, to));
        } else {
            assertThatThrownBy(() -> StateMachine.check(from, to))
                    .isInstanceOf(WrongStateException.class)
                    .hasMessageContaining(from + " -> " + to)
                    .hasMessageContaining("may go to");
        }
    }

    @org.junit.jupiter.api.Test
    void thereAreTwentyFivePairsAndElevenTransitions() {
        assertThat(allPairs()).hasSize(25);
        long allowed = StateMachine.table().values().stream().mapToLong(Set::size).sum();
        assertThat(allowed).isEqualTo(SEED.size());
    }
}
