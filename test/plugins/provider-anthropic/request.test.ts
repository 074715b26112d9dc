import { describe, expect, it } from 'vitest';
import { acceptsSampling, toMessagesRequest } from '@switchyard/provider-anthropic';
import { takesOneSamplingField } from '@switchyard/wire-anthropic';
import type { ConvertOptions } from '@switchyard/provider-anthropic';
import type { ChatRequest } from '@switchyard/core/protocol';

const options: ConvertOptions = {
  model: 'claude-sonnet-4-5',
  version: '2023-06-01',
  defaultMaxTokens: 4096,
  jsonMode: 'tool',
  thinking: true,
  thinkingBudgets: { minimal: 1024, low: 2048, medium: 8192, high: 24576 },
};
const convert = (req: Partial<ChatRequest>, o: Partial<ConvertOptions> = {}) =>
  toMessagesRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }], ...req } as ChatRequest, {
    ...options,
    ...o,
  });

describe('toMessagesRequest', () => {
  it('hoists system and developer messages into system, merging several into blocks', () => {
    expect(
      convert({
        messages: [
          { role: 'system', content: 'A' },
          { role: 'user', content: 'hi' },
        ],
      }).body,
    ).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'hi' }],
      system: 'A',
    });
    const two = convert({
      messages: [
        { role: 'system', content: 'A' },
        { role: 'developer', content: [{ type: 'text', text: 'B' }] },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(two.body.system).toEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'B' },
    ]);
  });

  it('always sets max_tokens: max_completion_tokens, then max_tokens, then the default', () => {
    expect(convert({ max_completion_tokens: 10, max_tokens: 20 }).body.max_tokens).toBe(10);
    expect(convert({ max_tokens: 20 }).body.max_tokens).toBe(20);
    expect(convert({}, { defaultMaxTokens: 777 }).body.max_tokens).toBe(777);
  });

  it('clamps temperature to 1 with a warning, keeps top_p, maps stop to stop_sequences and user to metadata', () => {
    const out = convert({ temperature: 1.7, top_p: 0.8, stop: ['a', ' '], user: 'u1' }, { model: 'claude-sonnet-4-0' });
    expect(out.body).toMatchObject({ temperature: 1, top_p: 0.8, stop_sequences: ['a'], metadata: { user_id: 'u1' } });
    expect(out.warnings).toContain("temperature 1.7 clamped to 1 (Anthropic's range is 0-1)");
    expect(convert({ stop: 'END' }).body.stop_sequences).toEqual(['END']);
  });

  it('keeps temperature and drops top_p for the models that refuse both (Opus 4.1, the 4.5 models and later)', () => {
    for (const model of [
      'claude-sonnet-4-5',
      'claude-opus-4-1-20250805',
      'claude-haiku-4-5',
      'claude-sonnet-5',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]) {
      const out = convert({ temperature: 0.3, top_p: 0.8 }, { model });
      expect(out.body.temperature, model).toBe(0.3);
      expect(out.body.top_p, model).toBeUndefined();
      expect(out.warnings).toContain(`top_p dropped (${model} takes temperature or top_p, not both)`);
    }
    for (const model of ['claude-sonnet-4-20250514', 'claude-3-7-sonnet-latest', 'claude-opus-4-0']) {
      expect(convert({ temperature: 0.3, top_p: 0.8 }, { model }).body, model).toMatchObject({
        temperature: 0.3,
        top_p: 0.8,
      });
    }
    expect(convert({ top_p: 0.8 }, { model: 'claude-sonnet-4-5' }).body.top_p).toBe(0.8);
    expect(takesOneSamplingField('claude-sonnet-4-5')).toBe(true);
  });

  it('drops sampling fields for anthropic-version 2026-10-21 with warnings', () => {
    expect(acceptsSampling('2023-06-01')).toBe(true);
    expect(acceptsSampling('2026-10-21')).toBe(false);
    const out = convert({ temperature: 0.2, top_p: 0.5 }, { version: '2026-10-21' });
    expect(out.body.temperature).toBeUndefined();
    expect(out.body.top_p).toBeUndefined();
    expect(out.warnings).toEqual([
      'temperature dropped (anthropic-version 2026-10-21 does not accept it)',
      'top_p dropped (anthropic-version 2026-10-21 does not accept it)',
    ]);
  });

  it('names every parameter without an equivalent', () => {
    const out = convert({
      seed: 1,
      logprobs: true,
      logit_bias: { 1: 1 },
      n: 2,
      presence_penalty: 0.1,
      frequency_penalty: null,
      stream_options: { include_usage: true },
    });
    expect(out.warnings).toEqual(
      expect.arrayContaining([
        'n=2 dropped (Anthropic returns one choice)',
        'seed dropped (no Anthropic equivalent)',
        'logprobs dropped (no Anthropic equivalent)',
        'logit_bias dropped (no Anthropic equivalent)',
        'presence_penalty dropped (no Anthropic equivalent)',
      ]),
    );
    expect(out.warnings.join()).not.toContain('frequency_penalty');
    expect(out.warnings.join()).not.toContain('stream_options');
  });

  it('converts tools and every tool_choice form; parallel_tool_calls false disables parallel use', () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'f',
          description: 'd',
          parameters: { type: 'object', properties: { a: { type: 'string' } } },
        },
      },
      { type: 'function' as const, function: { name: 'g' } },
    ];
    const out = convert({ tools, tool_choice: 'required', parallel_tool_calls: false });
    expect(out.body.tools).toEqual([
      { name: 'f', description: 'd', input_schema: tools[0]!.function.parameters },
      { name: 'g', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(out.body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(convert({ tools, tool_choice: 'auto' }).body.tool_choice).toEqual({ type: 'auto' });
    expect(convert({ tools, tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' });
    expect(convert({ tools, tool_choice: { type: 'function', function: { name: 'g' } } }).body.tool_choice).toEqual({
      type: 'tool',
      name: 'g',
    });
    expect(convert({ tools, parallel_tool_calls: false }).body.tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    expect(convert({ tools }).body.tool_choice).toBeUndefined();
    expect(convert({ tool_choice: 'auto' }).body.tool_choice).toBeUndefined();
  });

  it('turns assistant tool_calls into tool_use blocks and groups tool messages into one user turn, in order', () => {
    const out = convert({
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: 'calling',
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
            { id: 'c2', type: 'function', function: { name: 'g', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'one' },
        { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: 'done' },
      ],
    });
    expect(out.body.messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'calling' },
          { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } },
          { type: 'tool_use', id: 'c2', name: 'g', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1', content: 'one' },
          { type: 'tool_result', tool_use_id: 'c2', content: 'two' },
        ],
      },
      { role: 'assistant', content: 'done' },
    ]);
  });

  it('wraps non-object arguments and drops malformed tool calls with warnings', () => {
    const out = convert({
      messages: [
        { role: 'user', content: 'a' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }, { id: 'd' } as never],
        },
        { role: 'tool', tool_call_id: 'c', content: 'r' },
      ],
    });
    expect(out.body.messages[1]!.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: { _value: [1] } }]);
    expect(out.warnings).toEqual(['a tool call without a function name was dropped']);
  });

  it('keeps unparseable tool arguments under _raw, with a warning', () => {
    const out = convert({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
        { role: 'tool', tool_call_id: 'c', content: 'r' },
      ],
    });
    expect(out.body.messages[1]!.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: { _raw: '{oops' } }]);
    expect(out.warnings[0]).toContain('arguments are not JSON');
  });

  it('converts images: data URLs to base64, http(s) to url; drops audio and odd URLs with warnings', () => {
    const out = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,QUJD' } },
            { type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'ftp://x/a.png' } },
            { type: 'input_audio', input_audio: { data: 'x', format: 'wav' } },
          ],
        },
      ],
    });
    expect(out.body.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'QUJD' } },
      { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
    ]);
    expect(out.warnings).toEqual(
      expect.arrayContaining([
        'image_url.detail dropped (no Anthropic equivalent)',
        'input_audio content parts dropped (no Anthropic equivalent)',
      ]),
    );
    expect(out.warnings.some((w) => w.includes('neither a base64 data URL'))).toBe(true);
  });

  it('carries json_schema and json_object through a forced tool, or natively when configured', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const out = convert({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });
    expect(out.jsonTool).toBe('json_response');
    expect(out.body.tools).toEqual([
      {
        name: 'json_response',
        description: "Respond with the answer as this tool's input: a JSON object.",
        input_schema: schema,
      },
    ]);
    expect(out.body.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
    expect(convert({ response_format: { type: 'json_object' } }).body.tools![0]!.input_schema).toEqual({
      type: 'object',
    });
    const native = convert(
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } },
      { jsonMode: 'native' },
    );
    expect(native.jsonTool).toBeUndefined();
    expect(native.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(convert({ response_format: { type: 'text' } }).body.tools).toBeUndefined();
  });

  it("beside the caller's tools and no tool_choice, forces some tool (theirs or the JSON tool), not the JSON tool alone", () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    const out = convert({ tools, response_format: { type: 'json_object' } });
    expect(out.body.tools!.map((t) => t.name)).toEqual(['f', 'json_response']);
    expect(out.body.tool_choice).toEqual({ type: 'any' });
    expect(out.jsonTool).toBe('json_response');
    expect(out.warnings).toEqual([]);
  });

  it('treats an explicit tool_choice "auto" as none given: some tool is forced, parallel calls kept as asked', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    const out = convert({ tools, tool_choice: 'auto', response_format: { type: 'json_object' } });
    expect(out.body.tools!.map((t) => t.name)).toEqual(['f', 'json_response']);
    expect(out.body.tool_choice).toEqual({ type: 'any' });
    expect(out.warnings).toEqual([]);
    const serial = convert({ tools, parallel_tool_calls: false, response_format: { type: 'json_object' } });
    expect(serial.body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
  });

  it('offers the JSON tool without forcing it when the caller forces its own tool_choice', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    const out = convert({ tools, tool_choice: 'required', response_format: { type: 'json_object' } });
    expect(out.body.tool_choice).toEqual({ type: 'any' });
    expect(out.body.tools!.map((t) => t.name)).toEqual(['f', 'json_response']);
    expect(out.warnings[0]).toContain('not forced');
  });

  it('with tool_choice "none" no tool is callable: the caller\'s tools go with {type: none}, JSON mode is dropped with a warning, never forced beside them', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    for (const response_format of [
      { type: 'json_object' as const },
      { type: 'json_schema' as const, json_schema: { name: 'x', schema: { type: 'object' } } },
    ]) {
      const out = convert({ tools, tool_choice: 'none', response_format });
      expect(out.body.tool_choice).toEqual({ type: 'none' });
      expect(out.body.tools!.map((t) => t.name)).toEqual(['f']);
      expect(out.jsonTool).toBeUndefined();
      expect(out.warnings).toContain(
        `response_format ${response_format.type} dropped (tool_choice "none": no tool may be called, not even the JSON tool; the answer is plain text)`,
      );
    }
    // Without tools of the caller's, "none" leaves nothing callable to protect: the JSON tool carries JSON mode as usual.
    const alone = convert({ tool_choice: 'none', response_format: { type: 'json_object' } });
    expect(alone.body.tools!.map((t) => t.name)).toEqual(['json_response']);
    expect(alone.body.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
  });

  it('maps reasoning_effort to a thinking budget below max_tokens; drops it where unsupported', () => {
    const out = convert({ reasoning_effort: 'medium', temperature: 0.5 });
    expect(out.body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(out.body.max_tokens).toBe(8192 + 4096);
    expect(out.body.temperature).toBeUndefined();
    expect(convert({ reasoning_effort: 'high', max_tokens: 5000 }).body.thinking).toEqual({
      type: 'enabled',
      budget_tokens: 4999,
    });
    expect(convert({ reasoning_effort: 'high', max_tokens: 500 }).body.thinking).toBeUndefined();
    const unsupported = convert({ reasoning_effort: 'low' }, { thinking: false });
    expect(unsupported.body.thinking).toBeUndefined();
    expect(unsupported.warnings[0]).toContain('has no extended thinking');
  });

  it('sends Claude’s own reasoning blocks back first in their turn, byte for byte; others’ are dropped with a warning', () => {
    const turn = (
      reasoning_blocks: NonNullable<
        Extract<ChatRequest['messages'][number], { role: 'assistant' }>['reasoning_blocks']
      >,
    ) =>
      convert({
        reasoning_effort: 'low',
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: 'Checking.',
            reasoning_content: 'hmm',
            reasoning_blocks,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
        ],
      });
    const own = turn([
      { type: 'thinking', text: 'hmm', signature: 'c2ln', source: 'anthropic' },
      { type: 'redacted_thinking', signature: 'ZGF0YQ==', source: 'anthropic' },
    ]);
    expect(own.body.messages[1]!.content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: 'c2ln' },
      { type: 'redacted_thinking', data: 'ZGF0YQ==' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
    ]);
    expect(own.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(own.warnings).toEqual([]);
    // Without Claude's thinking for the open tool loop, Anthropic would refuse thinking: it is left off for the turn.
    const foreign = turn([{ type: 'encrypted_reasoning', signature: 'gAAAA', source: 'openai', id: 'rs_1' }]);
    expect((foreign.body.messages[1]!.content as Array<{ type: string }>).map((b) => b.type)).toEqual([
      'text',
      'tool_use',
    ]);
    expect(foreign.body.thinking).toBeUndefined();
    expect(foreign.warnings).toEqual([
      'encrypted_reasoning blocks from openai in the history dropped (Anthropic takes back only thinking it signed)',
      'reasoning_effort dropped for this turn (Anthropic needs the thinking block that led to the pending tool calls, and the history does not carry it)',
    ]);
  });
});
