// Payloads shared by the mock upstream (what it answers) and the load driver (what it sends and checks).

export const MODEL = 'bench-model';
export const CHAT_PATH = '/v1/chat/completions';

const request = {
  model: MODEL,
  messages: [
    {
      role: 'system',
      content: 'You are a concise assistant for a logistics company. Answer in two sentences at most.',
    },
    {
      role: 'user',
      content: 'Which rail yard should the 14:05 freight from Basel use if track 3 is closed for maintenance?',
    },
  ],
  max_tokens: 128,
  temperature: 0.2,
};

/** The request bodies the bench sends, serialized once. */
export const REQUEST_BODY = JSON.stringify(request);
export const STREAM_REQUEST_BODY = JSON.stringify({
  ...request,
  stream: true,
  stream_options: { include_usage: true },
});

const USAGE = {
  prompt_tokens: 41,
  completion_tokens: 38,
  total_tokens: 79,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

const ANSWER_PARTS = ['Use the north yard, track 5: ', 'it clears the train; ', 'expect a six-minute delay.'];

/** A realistic non-streaming `chat.completion` body (~600 bytes) for request number `n`. */
export function completionBody(n, model) {
  return JSON.stringify({
    id: `chatcmpl-bench${String(n).padStart(12, '0')}`,
    object: 'chat.completion',
    created: 1735689600,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: ANSWER_PARTS.join(''), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
    system_fingerprint: 'fp_bench0001',
  });
}

/** The SSE events of a streamed answer: role, two content deltas, finish, usage — then `[DONE]`. */
export function streamEvents(n, model) {
  const base = {
    id: `chatcmpl-bench${String(n).padStart(12, '0')}`,
    object: 'chat.completion.chunk',
    created: 1735689600,
    model,
    system_fingerprint: 'fp_bench0001',
  };
  const choice = (delta, finish_reason = null) => [{ index: 0, delta, logprobs: null, finish_reason }];
  const chunks = [
    { ...base, choices: choice({ role: 'assistant', content: '', refusal: null }), usage: null },
    { ...base, choices: choice({ content: ANSWER_PARTS[0] }), usage: null },
    { ...base, choices: choice({ content: ANSWER_PARTS[1] + ANSWER_PARTS[2] }), usage: null },
    { ...base, choices: choice({}, 'stop'), usage: null },
    { ...base, choices: [], usage: USAGE },
  ];
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'];
}

/** Cheap per-response checks the load driver applies to every answer it counts as a success. */
export function looksLikeCompletion(text) {
  return text.startsWith('{') && text.includes('"object":"chat.completion"') && text.includes('"finish_reason":"stop"');
}

export function looksLikeStream(text) {
  return text.startsWith('data: {') && text.endsWith('data: [DONE]\n\n') && text.includes('"finish_reason":"stop"');
}

export const MESSAGES_PATH = '/v1/messages';

const ANTHROPIC_USAGE = {
  input_tokens: 41,
  output_tokens: 38,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

/** The same answer as an Anthropic Messages response, for the OpenAI client → Anthropic upstream rows. */
export function anthropicMessageBody(n, model) {
  return JSON.stringify({
    id: `msg_bench${String(n).padStart(12, '0')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: ANSWER_PARTS.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
  });
}

/** The same answer as Anthropic SSE: message_start, one text block in two deltas, message_delta, message_stop. */
export function anthropicStreamEvents(n, model) {
  const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    event('message_start', {
      message: {
        id: `msg_bench${String(n).padStart(12, '0')}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
      },
    }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ANSWER_PARTS[0] } }),
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ANSWER_PARTS[1] + ANSWER_PARTS[2] } }),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 38 } }),
    event('message_stop', {}),
  ];
}
