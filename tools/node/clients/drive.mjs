// Drives one real client through a bedgov enforcer, for the client suite
// (internal/clientsuite) and the Clients guide. Usage:
//
//   node drive.mjs <client> <scenario>
//
// client: js (the AWS SDK for JavaScript v3, Converse), anthropic (the Anthropic Bedrock
// SDK, Messages on InvokeModel), openai (the openai SDK on the OpenAI-compatible path).
// scenario: turns (plain, streamed, tool use and its answer, the same cached prompt
// twice; openai: plain and streamed) or one (a single plain turn).
//
// Environment: BEDGOV_URL (the enforcer's function URL), BEDGOV_MODEL (the team's
// inference profile ARN), AWS_REGION, and the credentials the client reads itself:
// AWS_BEARER_TOKEN_BEDROCK (api_key mode) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
// AWS_SESSION_TOKEN with BEDGOV_SIGNING_NAME=lambda (iam mode, js only). The trust of
// the local CA comes from NODE_EXTRA_CA_CERTS.
//
// It prints one JSON line per call: {call, usage: {input, output, cacheRead,
// cacheWrite}, text, tool, state, servedModel, error}, and exits 0 even when a call is
// refused (the refusal is the result); it exits 1 only when it cannot run.

const [client, scenario] = process.argv.slice(2);
const url = process.env.BEDGOV_URL.replace(/\/$/, '');
const model = process.env.BEDGOV_MODEL;
const region = process.env.AWS_REGION;
// The lane's profile in the prompt: each lane caches its own prefix.
const longSystem = `Lane ${model}. ` + 'You are a careful assistant for the platform team. '.repeat(40);
const toolAsk = 'Read /tmp/notes.txt [[tool:Read {"file_path":"/tmp/notes.txt"}]]';

function out(call, r) {
  process.stdout.write(JSON.stringify({ call, ...r }) + '\n');
}

function errorOf(e) {
  return {
    name: e.name || e.constructor?.name,
    status: e.$metadata?.httpStatusCode ?? e.status ?? 0,
    message: e.message,
  };
}

// ---- the AWS SDK for JavaScript v3 (Converse, ConverseStream) ----
async function jsClient() {
  const br = await import('@aws-sdk/client-bedrock-runtime');
  const cfg = { region, endpoint: url };
  if (process.env.BEDGOV_HTTP1 === '1') {
    // The JS v3 client speaks HTTP/2 by default; NodeHttpHandler forces HTTP/1.1.
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    cfg.requestHandler = new NodeHttpHandler();
  }
  if (process.env.BEDGOV_SIGNING_NAME) {
    // iam mode: sign for the function URL (service "lambda"), not for "bedrock".
    cfg.signingName = process.env.BEDGOV_SIGNING_NAME;
    cfg.authSchemePreference = ['sigv4'];
  }
  const c = new br.BedrockRuntimeClient(cfg);
  let headers = {};
  c.middlewareStack.add((next) => async (args) => {
    const r = await next(args);
    headers = r.response.headers || {};
    return r;
  }, { step: 'deserialize', name: 'bedgovHeaders' });
  const meta = () => ({ state: headers['x-bedgov-state'] || '', servedModel: headers['x-bedgov-model'] || '' });
  const usage = (u) => ({ input: u.inputTokens || 0, output: u.outputTokens || 0, cacheRead: u.cacheReadInputTokens || 0, cacheWrite: u.cacheWriteInputTokens || 0 });
  const user = (text) => ({ role: 'user', content: [{ text }] });
  const tools = { tools: [{ toolSpec: { name: 'Read', description: 'Read a file', inputSchema: { json: { type: 'object', properties: { file_path: { type: 'string' } } } } } }] };

  async function converse(call, input) {
    try {
      const r = await c.send(new br.ConverseCommand({ modelId: model, inferenceConfig: { maxTokens: 64 }, ...input }));
      const block = r.output.message.content[0];
      out(call, { usage: usage(r.usage), text: block.text || '', tool: block.toolUse ? { id: block.toolUseId, name: block.toolUse.name, input: block.toolUse.input, useId: block.toolUse.toolUseId } : null, stop: r.stopReason, ...meta() });
      return r;
    } catch (e) {
      out(call, { error: errorOf(e), ...meta() });
      return null;
    }
  }
  if (scenario === 'one') {
    await converse('one', { messages: [user('hello [[tokens:8]]')] });
    return;
  }
  await converse('plain', { messages: [user('hello [[tokens:8]]')] });
  try {
    const r = await c.send(new br.ConverseStreamCommand({ modelId: model, inferenceConfig: { maxTokens: 64 }, messages: [user('stream please [[tokens:10]]')] }));
    let text = '', u = null;
    for await (const ev of r.stream) {
      if (ev.contentBlockDelta) text += ev.contentBlockDelta.delta.text || '';
      if (ev.metadata) u = ev.metadata.usage;
    }
    out('stream', { usage: usage(u || {}), text, ...meta() });
  } catch (e) {
    out('stream', { error: errorOf(e), ...meta() });
  }
  const ask = user(toolAsk);
  const first = await converse('tool', { messages: [ask], toolConfig: tools });
  const use = first?.output.message.content[0].toolUse;
  if (use) {
    await converse('tool-answer', {
      toolConfig: tools,
      messages: [ask, first.output.message, { role: 'user', content: [{ toolResult: { toolUseId: use.toolUseId, content: [{ text: 'the secret word is pelican' }] } }] }],
    });
  }
  const cached = { system: [{ text: longSystem }, { cachePoint: { type: 'default' } }], messages: [user('cached question [[tokens:4]]')] };
  await converse('cache-write', cached);
  await converse('cache-hit', cached);
}

// ---- the Anthropic Bedrock SDK (Messages on InvokeModel / InvokeModelWithResponseStream) ----
async function anthropicClient() {
  const { default: AnthropicBedrock } = await import('@anthropic-ai/bedrock-sdk');
  const c = new AnthropicBedrock({ awsRegion: region, baseURL: url });
  const usage = (u) => ({ input: u.input_tokens || 0, output: u.output_tokens || 0, cacheRead: u.cache_read_input_tokens || 0, cacheWrite: u.cache_creation_input_tokens || 0 });
  const meta = (h) => ({ state: h?.get('x-bedgov-state') || '', servedModel: h?.get('x-bedgov-model') || '' });
  const tools = [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }];

  async function create(call, params) {
    try {
      const { data, response } = await c.messages.create({ model, max_tokens: 64, ...params }).withResponse();
      const block = data.content[0];
      out(call, { usage: usage(data.usage), text: block.type === 'text' ? block.text : '', tool: block.type === 'tool_use' ? { name: block.name, input: block.input } : null, stop: data.stop_reason, model: data.model, ...meta(response.headers) });
      return data;
    } catch (e) {
      out(call, { error: errorOf(e), ...meta(e.headers) });
      return null;
    }
  }
  if (scenario === 'one') {
    await create('one', { messages: [{ role: 'user', content: 'hello [[tokens:8]]' }] });
    return;
  }
  await create('plain', { messages: [{ role: 'user', content: 'hello [[tokens:8]]' }] });
  try {
    const s = c.messages.stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'stream please [[tokens:10]]' }] });
    let text = '';
    s.on('text', (t) => { text += t; });
    const msg = await s.finalMessage();
    const { response } = await s.withResponse();
    out('stream', { usage: usage(msg.usage), text, model: msg.model, ...meta(response.headers) });
  } catch (e) {
    out('stream', { error: errorOf(e) });
  }
  const ask = { role: 'user', content: toolAsk };
  const first = await create('tool', { messages: [ask], tools });
  const use = first?.content.find((b) => b.type === 'tool_use');
  if (use) {
    await create('tool-answer', {
      tools,
      messages: [ask, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'the secret word is pelican' }] }],
    });
  }
  const cached = { system: [{ type: 'text', text: longSystem, cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'cached question [[tokens:4]]' }] };
  await create('cache-write', cached);
  await create('cache-hit', cached);
}

// ---- the openai SDK on Bedrock's OpenAI-compatible Chat Completions path ----
async function openaiClient() {
  const { default: OpenAI } = await import('openai');
  // The enforcer's URL + /openai/v1, as Bedrock Runtime's; the key is the team's.
  const c = new OpenAI({ baseURL: `${url}/openai/v1`, apiKey: process.env.AWS_BEARER_TOKEN_BEDROCK });
  const usage = (u) => {
    const cached = u?.prompt_tokens_details?.cached_tokens || 0;
    return { input: (u?.prompt_tokens || 0) - cached, output: u?.completion_tokens || 0, cacheRead: cached, cacheWrite: 0 };
  };
  const meta = (h) => ({ state: h?.get('x-bedgov-state') || '', servedModel: h?.get('x-bedgov-model') || '' });
  async function create(call) {
    try {
      const { data, response } = await c.chat.completions
        .create({ model, max_completion_tokens: 64, messages: [{ role: 'user', content: 'hello [[tokens:8]]' }] })
        .withResponse();
      out(call, { usage: usage(data.usage), text: data.choices[0].message.content, ...meta(response.headers) });
    } catch (e) {
      out(call, { error: errorOf(e), ...meta(e.headers) });
    }
  }
  if (scenario === 'one') {
    await create('one');
    return;
  }
  await create('plain');
  try {
    const { data: stream, response } = await c.chat.completions
      .create({ model, max_completion_tokens: 64, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream please [[tokens:10]]' }] })
      .withResponse();
    let text = '', u = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content || '';
      if (chunk.usage) u = chunk.usage;
    }
    out('stream', { usage: usage(u), text, ...meta(response.headers) });
  } catch (e) {
    out('stream', { error: errorOf(e) });
  }
}

const clients = { js: jsClient, anthropic: anthropicClient, openai: openaiClient };
if (!clients[client] || !['turns', 'one'].includes(scenario)) {
  console.error('usage: node drive.mjs js|anthropic|openai turns|one');
  process.exit(2);
}
try {
  await clients[client]();
} catch (e) {
  console.error(e);
  process.exit(1);
}
