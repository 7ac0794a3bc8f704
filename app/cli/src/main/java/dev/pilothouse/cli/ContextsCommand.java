package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import picocli.CommandLine.Command;

import java.util.List;

/**
 * {@code pilothouse contexts}: {@code local} and every kubeconfig context, the one in use marked
 * {@code *}, each with the namespace new sessions go to. Listing never connects to a cluster.
 */
@Command(name = "contexts", description = "List the contexts sessions can run in (local, and every kubeconfig context)")
final class ContextsCommand extends EngineCommand {
    @Override
    void warnIfDisconnected(Engine engine) {
        // listing contexts needs no connection
    }

    @Override
    int run(Engine e, Output o) {
        String problem = e.kubeconfigProblem();
        if (problem != null) {
            err().println("warning: " + problem);
        }
        var details = e.contextDetails();
        if (o.structured()) {
            var arr = Json.MAPPER.createArrayNode();
            details.forEach(c -> arr.addObject().put("name", c.name()).put("current", c.name().equals(e.context()))
                    .put("namespace", c.name().equals(e.context()) ? e.namespace() : c.namespace())
                    .put("kubeconfig_current", c.kubeconfigCurrent()).put("cluster", c.cluster()));
            o.json(arr);
            return 0;
        }
        // the shared table: columns as wide as their widest cell, the header included
        o.table(List.of("  CONTEXT", "NAMESPACE", "CLUSTER", ""), details, c -> {
            boolean current = c.name().equals(e.context());
            String cluster = c.cluster() == null ? (c.name().equals("local") ? "(this workstation)" : "") : c.cluster();
            return List.of((current ? "* " : "  ") + c.name(), current ? e.namespace() : c.namespace(), cluster,
                    c.kubeconfigCurrent() ? "(kubeconfig current-context)" : "");
        });
        // the local runtime's agent pool is the engine's, not a context's: `pilothouse engine status` shows it
        return 0;
    }
}
