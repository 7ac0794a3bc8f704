package dev.pilothouse.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The model built ahead: each command gets one of its own, whoever asks and however fast. */
class SpareModelTest {

    @Test
    void everyCommandGetsAModelNoOtherCommandHadEvenWhenTheyComeTogether() {
        SpareModel.prepare();
        List<CompletableFuture<CommandLine>> taken = IntStream.range(0, 8)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> SpareModel.take(new PrintWriter(new StringWriter()),
                        new PrintWriter(new StringWriter()))))
                .toList();
        Set<CommandLine> distinct = new HashSet<>();
        for (CompletableFuture<CommandLine> f : taken) {
            distinct.add(f.join());
        }
        assertThat(distinct).hasSize(8);
    }

    @Test
    void theModelWritesWhereItsCommandWrites() {
        StringWriter out = new StringWriter();
        CommandLine cl = SpareModel.take(new PrintWriter(out, true), new PrintWriter(new StringWriter()));
        cl.getSubcommands().get("sessions").usage(cl.getSubcommands().get("sessions").getOut());
        cl.getSubcommands().get("sessions").getOut().flush();
        assertThat(out.toString()).contains("Usage:").contains("sessions");
    }
}
