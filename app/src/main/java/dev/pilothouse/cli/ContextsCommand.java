package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import picocli.CommandLine.Command;

@Command(name = "contexts", description = "List the contexts sessions can run in (local, and kubeconfig contexts)")
final class ContextsCommand extends EngineCommand {
    @Override
    int run(Engine e, Output o) {
        if (o.structured()) {
            var arr = dev.pilothouse.json.Json.MAPPER.createArrayNode();
            e.contexts().forEach(c -> arr.addObject().put("name", c).put("current", c.equals(e.context())));
            o.json(arr);
        } else {
            e.contexts().forEach(c -> o.line((c.equals(e.context()) ? "* " : "  ") + c));
        }
        return 0;
    }
}
