package dev.pilothouse.runtime.local;

import java.nio.file.Path;

/**
 * Where a local session lives under the data dir:
 * <pre>
 * sessions/&lt;id&gt;/workspace/             the volume: the agents' working directory
 * sessions/&lt;id&gt;/logs/&lt;agent&gt;.log         stdout and stderr of every run, appended
 * sessions/&lt;id&gt;/run/&lt;agent&gt;.json        the running process (see RunRecord)
 * sessions/&lt;id&gt;/run/&lt;agent&gt;.stopping.json a process being stopped
 * sessions/&lt;id&gt;/run/&lt;agent&gt;.exit        the exit status the process left
 * </pre>
 */
record SessionFiles(Path root) {
    Path workspace() {
        return root.resolve("workspace");
    }

    Path log(String agent) {
        return root.resolve("logs").resolve(agent + ".log");
    }

    Path runDir() {
        return root.resolve("run");
    }

    Path run(String agent) {
        return runDir().resolve(agent + ".json");
    }

    Path stopping(String agent) {
        return runDir().resolve(agent + ".stopping.json");
    }

    Path exit(String agent) {
        return runDir().resolve(agent + ".exit");
    }
}
