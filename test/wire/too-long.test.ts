/**
 * A prompt too long for the model, recognised by the libraries and providers that know each API's
 * words (core knows none): their classifyError sets `tooLong`, their stream decoders throw an error
 * carrying it.
 */
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { classifyAnthropicError, decodeMessagesStream } from '@switchyard/wire-anthropic';
import { classifyOpenAIError, decodeChatChunks, openAITooLong } from '@switchyard/wire-chat';
import { classifyGeminiError } from '@switchyard/wire-gemini';
import { decodeResponsesStream } from '@switchyard/wire-openai-responses';
import { classifyAzureError } from '@switchyard/provider-azure-openai';
import { classifyBedrockError } from '@switchyard/provider-bedrock';
import { classifyVertexError } from '@switchyard/provider-vertex';

const openAIBody = (message: string, code: string | null = null) =>
  JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'messages', code } });
const CHAT_SENTENCE =
  "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.";
const RESPONSES_SENTENCE =
  'Your input exceeds the context window of this model. Please adjust your input and try again.';
const anthropicBody = (message: string) =>
  JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } });
const GEMINI_TOO_LONG = JSON.stringify({
  error: {
    code: 400,
    message: 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).',
    status: 'INVALID_ARGUMENT',
  },
});

describe("classifyError: each provider's words for a prompt too long", () => {
  it('OpenAI: the Chat sentence with its counts, the code alone, the Responses sentence', () => {
    expect(classifyOpenAIError(400, openAIBody(CHAT_SENTENCE, 'context_length_exceeded'))).toMatchObject({
      outcome: 'business_error',
      tooLong: { tokens: 130512, maximum: 128000 },
    });
    expect(classifyOpenAIError(400, openAIBody('too many', 'context_length_exceeded')).tooLong).toEqual({});
    expect(openAITooLong(RESPONSES_SENTENCE)).toEqual({});
    expect(classifyOpenAIError(400, openAIBody('Invalid value for temperature', 'invalid_value')).tooLong).toBe(
      undefined,
    );
    // Not the caller's to fix when the upstream failed: no `tooLong` on a failure.
    expect(classifyOpenAIError(500, openAIBody(CHAT_SENTENCE, 'context_length_exceeded')).tooLong).toBe(undefined);
  });

  it('Azure OpenAI: as OpenAI', () => {
    expect(classifyAzureError(400, openAIBody(CHAT_SENTENCE, 'context_length_exceeded')).tooLong).toEqual({
      tokens: 130512,
      maximum: 128000,
    });
  });

  it('Anthropic, and Claude on Vertex: "prompt is too long: N tokens > M maximum"', () => {
    const body = anthropicBody('prompt is too long: 210000 tokens > 200000 maximum');
    expect(classifyAnthropicError(400, body).tooLong).toEqual({ tokens: 210000, maximum: 200000 });
    expect(classifyVertexError(400, body).tooLong).toEqual({ tokens: 210000, maximum: 200000 });
    expect(classifyAnthropicError(400, anthropicBody('messages: roles must alternate')).tooLong).toBe(undefined);
  });

  it('Gemini, and Gemini on Vertex: the input token count over the maximum', () => {
    expect(classifyGeminiError(400, GEMINI_TOO_LONG).tooLong).toEqual({ tokens: 1200293, maximum: 1048576 });
    expect(classifyVertexError(400, GEMINI_TOO_LONG).tooLong).toEqual({ tokens: 1200293, maximum: 1048576 });
  });

  it("Bedrock: Converse's sentence without numbers, Claude's through InvokeModel with them", () => {
    expect(
      classifyBedrockError(400, JSON.stringify({ message: 'Input is too long for requested model.' })),
    ).toMatchObject({ outcome: 'business_error', tooLong: {} });
    const claude = 'The model returned the following errors: prompt is too long: 200049 tokens > 200000 maximum';
    expect(classifyBedrockError(400, JSON.stringify({ message: claude })).tooLong).toEqual({
      tokens: 200049,
      maximum: 200000,
    });
    expect(classifyBedrockError(400, JSON.stringify({ message: 'Malformed input request' })).tooLong).toBe(undefined);
  });
});

async function* events(...items: Array<Record<string, unknown> | string>): AsyncGenerator<SseEvent> {
  for (const item of items) yield { data: typeof item === 'string' ? item : JSON.stringify(item) };
}

async function thrown(stream: AsyncIterable<ChatCompletionChunk>): Promise<any> {
  try {
    for await (const _ of stream);
  } catch (err) {
    return err;
  }
  throw new Error('the stream did not fail');
}

const created = { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', model: 'm' } };

describe("stream decoders: an error event refusing the prompt as too long is the caller's error", () => {
  it('Responses: response.failed with context_length_exceeded', async () => {
    const failed = {
      type: 'response.failed',
      sequence_number: 1,
      response: {
        id: 'resp_1',
        status: 'failed',
        error: { code: 'context_length_exceeded', message: RESPONSES_SENTENCE },
      },
    };
    expect(await thrown(decodeResponsesStream(events(created, failed)))).toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_BUSINESS',
      publicCode: 'context_length_exceeded',
      message: RESPONSES_SENTENCE,
      tooLong: {},
    });
  });

  it('Responses: an error event, flat as the API reference has it or nested under `error`', async () => {
    const flat = { type: 'error', sequence_number: 1, code: 'context_length_exceeded', message: RESPONSES_SENTENCE };
    const nested = { type: 'error', sequence_number: 1, error: { code: 'context_length_exceeded', message: 'x' } };
    for (const event of [flat, nested])
      expect(await thrown(decodeResponsesStream(events(created, event)))).toMatchObject({ tooLong: {} });
    const other = { type: 'error', sequence_number: 1, code: 'server_error', message: 'boom' };
    expect(await thrown(decodeResponsesStream(events(created, other)))).toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      message: 'server_error: boom',
      tooLong: undefined,
    });
  });

  it('Chat Completions: an error chunk with code context_length_exceeded', async () => {
    const error = { error: { message: CHAT_SENTENCE, code: 'context_length_exceeded' } };
    expect(await thrown(decodeChatChunks(events(error)))).toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_BUSINESS',
      tooLong: { tokens: 130512, maximum: 128000 },
    });
  });

  it('Anthropic Messages: an error event "prompt is too long"', async () => {
    const error = {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'prompt is too long: 9 tokens > 5 maximum' },
    };
    expect(await thrown(decodeMessagesStream(events(error)))).toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_BUSINESS',
      tooLong: { tokens: 9, maximum: 5 },
    });
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(await thrown(decodeMessagesStream(events(overloaded)))).toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_FAILED',
      message: 'overloaded_error: Overloaded',
    });
  });
});
