package dev.pilothouse.console;

import dev.pilothouse.console.main.SessionListModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The console's engine is refused on the FX thread (and the refusal recorded for ConsoleTestBase to fail on). */
@ExtendWith(ApplicationExtension.class)
class EngineGuardTest {

    @Test
    void theEngineIsRefusedOnTheFxThreadOnly() throws Exception {
        Console console = new Console(null, new Background(n -> { }), new SessionListModel(), id -> { }, null);
        Console.FX_THREAD_CALLS.clear();
        assertThat(console.engine()).as("off the FX thread: given").isNull();
        assertThatThrownBy(() -> WaitForAsyncUtils.asyncFx(console::engine).get())
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(Console.FX_THREAD_CALLS).hasSize(1);
        Console.FX_THREAD_CALLS.clear();
    }
}
