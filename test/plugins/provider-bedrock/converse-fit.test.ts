/**
 * OpenAI-shaped requests that Bedrock Converse would refuse as converted one for one, fitted by
 * the conversion: each converted body passes the Bedrock mock's checks (which refuse what Converse
 * refuses) and each change is named in a warning.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '@switchyard/core/protocol';
import { toConverse } from '@switchyard/provider-bedrock';
import { validateConverse } from '../../support/mock-bedrock.js';

const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const PDF = 'data:application/pdf;base64,JVBERi0xLjQK';
const TXT = 'data:text/plain;base64,aGVsbG8=';
const WEATHER = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
} as const;

/** The converted body, what the mock says of it (undefined: Converse takes it), and the warnings. */
function convert(req: Partial<ChatRequest>, model: string) {
  const warnings: string[] = [];
  const { body } = toConverse({ model, ...req } as ChatRequest, (m) => warnings.push(m), model);
  return { body: body as any, refused: validateConverse(body as any, model), warnings };
}

const hi = [{ role: 'user' as const, content: 'hi' }];

describe('Converse: requests fitted to what Bedrock takes', () => {
  it('clamps temperature to 1 (OpenAI takes up to 2)', () => {
    const { body, refused, warnings } = convert({ messages: hi, temperature: 1.5 }, NOVA);
    expect(refused).toBeUndefined();
    expect(body.inferenceConfig.temperature).toBe(1);
    expect(warnings).toEqual(["temperature 1.5 clamped to 1 (Bedrock's range is 0-1)"]);
    expect(convert({ messages: hi, temperature: 0.7 }, NOVA).warnings).toEqual([]);
  });

  it('adds a text naming the document to a message of documents only', () => {
    const messages = [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: PDF } }] }];
    const { body, refused, warnings } = convert({ messages } as Partial<ChatRequest>, NOVA);
    expect(refused).toBeUndefined();
    expect(body.messages[0].content.at(-1)).toEqual({ text: 'a' });
    expect(warnings).toEqual([
      'messages[0]: a text naming its documents was added (Converse takes no document without text)',
    ]);
  });

  it('cuts a document name to 200 characters', () => {
    const file = { filename: `${'r'.repeat(250)}.pdf`, file_data: PDF };
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'read' },
          { type: 'file', file },
        ],
      },
    ];
    const { body, refused } = convert({ messages } as Partial<ChatRequest>, NOVA);
    expect(refused).toBeUndefined();
    expect(body.messages[0].content[1].document.name).toHaveLength(200);
  });

  it('leaves out a cache point after a text document for Claude, and keeps one after a PDF', () => {
    const part = (filename: string, file_data: string) => ({
      type: 'file',
      file: { filename, file_data },
      cache_control: { type: 'ephemeral' },
    });
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'read both' }, part('a.txt', TXT), part('b.pdf', PDF)] },
    ];
    const { body, refused, warnings } = convert({ messages } as Partial<ChatRequest>, CLAUDE);
    expect(refused).toBeUndefined();
    expect(body.messages[0].content.map((b: object) => Object.keys(b)[0])).toEqual([
      'text',
      'document',
      'document',
      'cachePoint',
    ]);
    expect(warnings).toEqual(['1 cache point(s) after a non-PDF document dropped (Bedrock refuses them for Claude)']);
  });

  it('maps tool call ids outside the API’s pattern, the same way in the call and its result', () => {
    const id = 'call_1|fc_1';
    const messages = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: id, content: 'sunny' },
    ];
    const { body, refused } = convert({ messages, tools: [WEATHER] } as Partial<ChatRequest>, NOVA);
    expect(refused).toBeUndefined();
    expect(body.messages[1].content[0].toolUse.toolUseId).toBe('call_1_fc_1');
    expect(body.messages[2].content[0].toolResult.toolUseId).toBe('call_1_fc_1');
    const long = convert(
      {
        messages: [
          messages[0],
          { ...messages[1], tool_calls: [{ ...messages[1]!.tool_calls![0], id: 'x'.repeat(80) }] },
          { ...messages[2], tool_call_id: 'x'.repeat(80) },
        ],
        tools: [WEATHER],
      } as Partial<ChatRequest>,
      NOVA,
    );
    expect(long.refused).toBeUndefined();
    expect(long.body.messages[1].content[0].toolUse.toolUseId).toHaveLength(64);
  });

  it('fits tool_choice to the model family: Nova takes a named tool only, Llama no forced choice, Claude both', () => {
    const required = { messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER], tool_choice: 'required' };
    const nova = convert(required as Partial<ChatRequest>, NOVA);
    expect(nova.refused).toBeUndefined();
    expect(nova.body.toolConfig.toolChoice).toEqual({ tool: { name: 'get_weather' } });
    const llama = convert(required as Partial<ChatRequest>, LLAMA);
    expect(llama.refused).toBeUndefined();
    expect(llama.body.toolConfig.toolChoice).toBeUndefined();
    expect(llama.warnings).toEqual([
      `tool_choice: the tools are offered, not forced (${LLAMA} takes no forced tool choice)`,
    ]);
    expect(convert(required as Partial<ChatRequest>, CLAUDE).body.toolConfig.toolChoice).toEqual({ any: {} });
    const json = convert(
      {
        messages: hi,
        response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
      },
      LLAMA,
    );
    expect(json.refused).toBeUndefined();
    expect(json.warnings).toEqual([
      `response_format: the tools are offered, not forced (${LLAMA} takes no forced tool choice)`,
    ]);
  });

  it('sends tool history as text when no tools are offered', () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'user', content: 'thanks, and so?' },
    ];
    const { body, refused, warnings } = convert({ messages } as Partial<ChatRequest>, NOVA);
    expect(refused).toBeUndefined();
    expect(body.toolConfig).toBeUndefined();
    expect(body.messages[1].content).toEqual([{ text: '[called get_weather({"city":"Paris"})]' }]);
    expect(body.messages[2].content[0]).toEqual({ text: '[tool result: sunny]' });
    expect(warnings).toEqual([
      'tool calls in the history sent as text (no tools are offered, and Converse takes none without)',
    ]);
  });
});
