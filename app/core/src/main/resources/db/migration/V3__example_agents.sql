-- Example agent definitions, to copy or edit. Both are the reference agent pointed at an
-- OpenAI-compatible endpoint; the API key is not stored: local agents inherit OPENAI_API_KEY
-- from the environment Pilothouse runs in. A name already taken by the operator is left alone.
INSERT INTO agents (id, name, image, command, model, instructions, env, port, cpu, memory, storage,
                    created_at, updated_at)
SELECT '00000000-0000-4000-8000-000000000002', 'openai-assistant',
       'ghcr.io/pilothouse/reference-agent:0.1.0',
       '["pilothouse","reference-agent"]',
       'gpt-4o-mini',
       'You are a careful coding assistant working in the session''s workspace. Explain what you would run; the operator runs commands with "$ ".',
       '{"OPENAI_BASE_URL":"https://api.openai.com/v1"}', 8080, '500m', '256Mi', '1Gi',
       CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
WHERE NOT EXISTS (SELECT 1 FROM agents WHERE live_name = 'openai-assistant');

INSERT INTO agents (id, name, image, command, model, instructions, env, port, cpu, memory, storage,
                    created_at, updated_at)
SELECT '00000000-0000-4000-8000-000000000003', 'ollama-assistant',
       'ghcr.io/pilothouse/reference-agent:0.1.0',
       '["pilothouse","reference-agent"]',
       'llama3.2',
       'You are a helpful assistant running on a local model, working in the session''s workspace.',
       '{"OPENAI_BASE_URL":"http://127.0.0.1:11434/v1"}', 8080, '500m', '256Mi', '1Gi',
       CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
WHERE NOT EXISTS (SELECT 1 FROM agents WHERE live_name = 'ollama-assistant');
