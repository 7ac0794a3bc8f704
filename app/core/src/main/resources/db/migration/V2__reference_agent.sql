-- Every new data dir knows the reference agent, which needs no LLM.
-- "pilothouse" as the first word of a command means "this installation's launcher".
INSERT INTO agents (id, name, image, command, model, instructions, env, port, cpu, memory, storage,
                    created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'reference',
        'ghcr.io/pilothouse/reference-agent:0.1.0',
        '["pilothouse","reference-agent"]',
        NULL,
        'You are the Pilothouse reference agent. You work in the session''s workspace: a message starting with "$ " is run there as a shell command.',
        '{}', 8080, '500m', '256Mi', '1Gi',
        CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
