package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.agent.CommandLineWords;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "agents", description = "Manage agent definitions",
        subcommands = {AgentsCommand.ListAgents.class, AgentsCommand.Create.class, AgentsCommand.Show.class,
                AgentsCommand.Delete.class})
final class AgentsCommand {

    @Command(name = "list", description = "List registered agents")
    static final class ListAgents extends EngineCommand {
        @Option(names = {"-a", "--all"}, description = "Include deleted definitions")
        boolean all;

        @Override
        int run(Engine e, Output o) {
            o.agents(e.agents(all));
            return 0;
        }
    }

    @Command(name = "create", description = "Register an agent, from options or from a YAML/JSON file")
    static final class Create extends EngineCommand {
        @Parameters(arity = "0..1", paramLabel = "NAME")
        String name;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "YAML or JSON definition (fields as in `agents show -o yaml`)")
        String file;

        @Option(names = "--command", paramLabel = "CMD", description = "Command to run locally, e.g. 'python3 agent.py' (quotes group words)")
        String command;

        @Option(names = "--image", paramLabel = "IMAGE", description = "Container image for Kubernetes")
        String image;

        @Option(names = "--model", paramLabel = "MODEL")
        String model;

        @Option(names = "--instructions", paramLabel = "TEXT")
        String instructions;

        @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Environment variable (repeatable)")
        Map<String, String> env = new LinkedHashMap<>();

        @Option(names = "--port", paramLabel = "PORT", description = "Port the agent listens on in a pod (default 8080)")
        Integer port;

        @Option(names = "--cpu", paramLabel = "QTY")
        String cpu;

        @Option(names = "--memory", paramLabel = "QTY")
        String memory;

        @Override
        int run(Engine e, Output o) throws IOException {
            AgentDefinition draft = file != null ? fromFile() : new AgentDefinition(null, name, image,
                    command == null ? List.of() : CommandLineWords.split(command), model, instructions, env,
                    port == null ? 0 : port, new Resources(cpu, memory, null), null, null, null);
            o.agent(e.createAgent(draft));
            return 0;
        }

        private AgentDefinition fromFile() throws IOException {
            String text = SessionsCommand.readText(root(), file, "--file", SessionsCommand.MAX_FILE_CHARS);
            JsonNode n;
            try {
                n = Json.readOne(Json.YAML, text);
            } catch (IOException ex) {
                throw new InvalidInputException("--file: '" + file + "' is not valid YAML or JSON: "
                        + (ex instanceof com.fasterxml.jackson.core.JsonProcessingException j ? Json.problem(j)
                        : ex.getMessage().lines().findFirst().orElse("")));
            }
            if (n == null || !n.isObject()) {
                throw new InvalidInputException("--file: '" + file + "' must hold one object with fields "
                        + String.join(", ", FILE_FIELDS));
            }
            if (name != null) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("name", name);
            }
            return AgentJson.fromInput((com.fasterxml.jackson.databind.node.ObjectNode) n, "--file: ");
        }
    }

    /** What an agent file may set. */
    static final List<String> FILE_FIELDS = AgentJson.INPUT_FIELDS;

    @Command(name = "show", description = "Show one agent definition")
    static final class Show extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            o.agent(e.agent(name));
            return 0;
        }
    }

    @Command(name = "delete", description = "Remove an agent from the registry (sessions keep their copy)")
    static final class Delete extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            AgentDefinition a = e.deleteAgent(name);
            o.line("deleted agent '" + a.name() + "'");
            return 0;
        }
    }
}
