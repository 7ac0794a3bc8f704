package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import picocli.CommandLine.Command;

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
        int width = details.stream().mapToInt(c -> c.name().length()).max().orElse(7);
        o.line(String.format("  %-" + width + "s  %-20s  %s", "CONTEXT", "NAMESPACE", "CLUSTER"));
        for (Engine.ContextInfo c : details) {
            String ns = c.name().equals(e.context()) ? e.namespace() : c.namespace();
            String cluster = c.cluster() == null ? (c.name().equals("local") ? "(this workstation)" : "") : c.cluster();
            o.line(String.format("%s %-" + width + "s  %-20s  %s%s", c.name().equals(e.context()) ? "*" : " ", c.name(), ns,
                    cluster, c.kubeconfigCurrent() ? "  (kubeconfig current-context)" : ""));
        }
        // agents kept started ahead of sessions (the local runtime's pool): bounded, and shown here
        e.standby().forEach(o::line);
        return 0;
    }
}
