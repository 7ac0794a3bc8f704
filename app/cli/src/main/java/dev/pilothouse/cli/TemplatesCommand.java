package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.StoredTemplate;
import dev.pilothouse.template.TemplateParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;

@Command(name = "templates", description = "Manage session templates (docs/templates.md)",
        subcommands = {TemplatesCommand.Apply.class, TemplatesCommand.ListTemplates.class, TemplatesCommand.Show.class,
                TemplatesCommand.Export.class, TemplatesCommand.Delete.class})
final class TemplatesCommand {

    static ObjectNode json(StoredTemplate t) {
        SessionTemplate parsed = t.template();
        ObjectNode n = Json.object().put("name", t.name()).put("version", t.version())
                .put("created_by", t.createdBy()).put("created_at", Json.time(t.createdAt()))
                .put("updated_at", Json.time(t.updatedAt()));
        var agents = n.putArray("agents");
        parsed.agents().forEach(a -> {
            ObjectNode o = agents.addObject().put("name", a.name());
            ObjectNode c = o.putObject("config");
            a.config().forEach(c::put);
        });
        var params = n.putArray("parameters");
        parsed.parameters().forEach(p -> params.addObject().put("name", p.name()).put("default", p.defaultValue())
                .put("description", p.description()));
        n.put("yaml", t.yaml());
        return n;
    }

    @Command(name = "apply", description = "Store a SessionTemplate (a new version if the name exists)")
    static final class Apply extends EngineCommand {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The template (YAML or JSON; - for stdin)")
        String file;

        @Override
        int run(Engine e, Output o) throws IOException {
            String text = SessionsCommand.readText(root(), file, "--file", TemplateParser.MAX_CHARS);
            Engine.AppliedTemplate a = e.applyTemplate(text);
            if (o.structured()) {
                ObjectNode n = json(a.stored());
                var missing = n.putArray("missing_agents");
                a.missingAgents().forEach(missing::add);
                o.json(n);
            } else {
                o.line("template '" + a.stored().name() + "' version " + a.stored().version() + " applied");
            }
            if (!a.missingAgents().isEmpty()) {
                err().println("warning: template '" + a.stored().name() + "' names " + (a.missingAgents().size() == 1
                        ? "an agent that is" : "agents that are") + " not defined: " + String.join(", ", a.missingAgents())
                        + "; sessions cannot be created from it until " + (a.missingAgents().size() == 1 ? "it is" : "they are")
                        + " (`pilothouse agents create NAME --command '...'` or --image ...)");
                err().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List templates (latest versions)")
    static final class ListTemplates extends EngineCommand {
        @Override
        int run(Engine e, Output o) {
            List<StoredTemplate> all = e.templates();
            if (o.structured()) {
                var arr = Json.MAPPER.createArrayNode();
                all.forEach(t -> arr.add(json(t)));
                o.json(arr);
                return 0;
            }
            o.table(List.of("NAME", "VERSION", "AGENTS", "PARAMETERS", "UPDATED"), all, t -> {
                SessionTemplate p = t.template();
                return List.of(t.name(), Integer.toString(t.version()), String.join(",", p.agentNames()),
                        String.join(",", p.parameters().stream().map(SessionTemplate.Parameter::name).toList()),
                        Json.time(t.updatedAt()));
            });
            return 0;
        }
    }

    @Command(name = "show", description = "Show a template (the latest version, or --version N)")
    static final class Show extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--version", paramLabel = "N")
        Integer version;

        @Override
        int run(Engine e, Output o) {
            StoredTemplate t = e.template(name, version);
            if (o.structured()) {
                o.json(json(t));
                return 0;
            }
            o.line("name: " + t.name() + "\nversion: " + t.version() + "\nupdated: " + Json.time(t.updatedAt())
                    + "\n---\n" + t.yaml().stripTrailing());
            return 0;
        }
    }

    @Command(name = "export", description = "Print a template's YAML as it was applied (the latest, or --version N)")
    static final class Export extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--version", paramLabel = "N")
        Integer version;

        @Override
        int run(Engine e, Output o) {
            out().print(e.template(name, version).yaml());
            out().flush();
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a template (every version; sessions made from it are kept)")
    static final class Delete extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            e.deleteTemplate(name);
            o.line("deleted template '" + name + "'");
            return 0;
        }
    }
}
