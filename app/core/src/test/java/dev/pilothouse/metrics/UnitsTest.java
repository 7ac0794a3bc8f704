package dev.pilothouse.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UnitsTest {
    @Test
    void bytesReadInTheLargestBinaryUnitUpToTiB() {
        assertThat(Units.bytes(null)).isEqualTo("-");
        assertThat(Units.bytes(512L)).isEqualTo("512 B");
        assertThat(Units.bytes(1536L)).isEqualTo("1.5 KiB");
        assertThat(Units.bytes(2L << 30)).isEqualTo("2.0 GiB");
        assertThat(Units.bytes(2048L << 40)).isEqualTo("2048.0 TiB");
    }

    @Test
    void theBinaryPowerKeepsTheValueAtOneOrMore() {
        assertThat(Units.binaryPower(0)).isZero();
        assertThat(Units.binaryPower(1023)).isZero();
        assertThat(Units.binaryPower(1024)).isEqualTo(1);
        assertThat(Units.binaryPower(75L << 20)).isEqualTo(2);
        assertThat(Units.binaryUnit(2)).isEqualTo("MiB");
        assertThat(Units.binaryPower(5L << 50)).isEqualTo(4);
    }
}
