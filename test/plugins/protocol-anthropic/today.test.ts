/**
 * The Messages conversions for what today's clients send: system entries in messages, per-turn
 * effort, thinking blocks as reasoning blocks (both ways, streams included), documents, deferred
 * tools; betas and the fields that need them; max_tokens with a thinking budget below it.
 */
import { describe, expect, it } from 'vitest';
import { CompletionAccumulator, requestValidator } from '@switchyard/core/protocol';
import { completionChunks } from '@switchyard/wire-chat';
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest } from '@switchyard/core/protocol';
import { anthropicOnlyFeatures, messagesRequestSchema, requiresAnthropicOnly } from '@switchyard/protocol-anthropic';
import {
  anthropicToCanonical,
  AnthropicStreamEncoder,
  canonicalToAnthropicMessage,
  filterBetas,
  fromMessagesResponse,
  MessagesStreamDecoder,
  parseBetas,
  toMessagesRequest,
  withMaxTokens,
  withoutBetaFields,
} from '@switchyard/wire-anthropic';
import type { AnthropicMessagesRequest, AnthropicStreamEvent, ConvertOptions } from '@switchyard/wire-anthropic';
import { redacted, signed } from '../../support/reasoning-blocks.js';

const req = (extra: Partial<AnthropicMessagesRequest>): AnthropicMessagesRequest => ({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('the Messages request schema', () => {
  const validate = requestValidator(messagesRequestSchema);
  const body = (messages: unknown[]) =>
    ({ model: 'm', max_tokens: 128000, messages }) as unknown as Record<string, unknown>;

  it('takes system entries with content or a per-turn output_config, and nothing but user, assistant and system', () => {
    expect(() =>
      validate(
        body([
          { role: 'user', content: 'x' },
          { role: 'system', content: 'env', output_config: { effort: 'medium' } },
        ]),
      ),
    ).not.toThrow();
    expect(() =>
      validate(
        body([
          { role: 'user', content: 'x' },
          { role: 'system', output_config: { effort: 'high' } },
        ]),
      ),
    ).not.toThrow();
    expect(() => validate(body([{ role: 'user', content: 'x' }, { role: 'system' }]))).toThrow(/messages\[1\]/);
    expect(() => validate(body([{ role: 'user' }]))).toThrow(/messages\[0\]\.content: is required/);
    expect(() => validate(body([{ role: 'tool', content: 'x' }]))).toThrow(/messages\[0\]\.role/);
  });
});

describe('anthropicToCanonical: system entries in messages', () => {
  it('keeps each system entry at its place, as a system message', () => {
    const { request, warnings } = anthropicToCanonical(
      req({
        system: 'Top',
        messages: [
          { role: 'user', content: 'one' },
          {
            role: 'system',
            content: [
              { type: 'text', text: 'Env A' },
              { type: 'text', text: 'Env B' },
            ],
          },
          { role: 'assistant', content: 'two' },
          { role: 'system', content: 'Later' },
          { role: 'user', content: 'three' },
        ],
      }),
    );
    expect(request.messages).toEqual([
      { role: 'system', content: 'Top' },
      { role: 'user', content: 'one' },
      { role: 'system', content: 'Env A\nEnv B' },
      { role: 'assistant', content: 'two' },
      { role: 'system', content: 'Later' },
      { role: 'user', content: 'three' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('moves a system entry between tool calls and their results to just after the results', () => {
    const { request } = anthropicToCanonical(
      req({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
          { role: 'system', content: 'Tools changed' },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 't1', content: 'done' },
              { type: 'text', text: 'next' },
            ],
          },
          { role: 'system', content: 'At the end' },
        ],
      }),
    );
    expect(request.messages.map((m) => `${m.role}:${typeof m.content === 'string' ? m.content : ''}`)).toEqual([
      'user:go',
      'assistant:',
      'tool:done',
      'system:Tools changed',
      'user:next',
      'system:At the end',
    ]);
  });

  it('takes the effort of the latest system entry over the top-level one, and approximates what canonical form cannot name', () => {
    const per = (effort: string) =>
      anthropicToCanonical(
        req({
          output_config: { effort: 'low' },
          messages: [
            { role: 'user', content: 'x' },
            { role: 'system', output_config: { effort } },
          ],
        }),
      );
    expect(per('high').request.reasoning_effort).toBe('high');
    expect(per('max').request.reasoning_effort).toBe('high');
    expect(per('max').warnings).toEqual(['output_config.effort max approximated as reasoning_effort high']);
    expect(anthropicToCanonical(req({ output_config: { effort: 'medium' } })).request.reasoning_effort).toBe('medium');
    // An entry with only output_config adds no message.
    expect(per('high').request.messages).toEqual([{ role: 'user', content: 'x' }]);
    expect(anthropicToCanonical(req({ thinking: { type: 'adaptive' } })).request.reasoning_effort).toBeUndefined();
    expect(
      anthropicToCanonical(req({ thinking: { type: 'disabled' }, output_config: { effort: 'high' } })).request
        .reasoning_effort,
    ).toBeUndefined();
  });

  it('names what system entries carry that has no equivalent', () => {
    const { warnings } = anthropicToCanonical(
      req({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'system', content: [{ type: 'tool_addition', tools: [] }], clear_at: 3 } as never,
        ],
      }),
    );
    expect(warnings).toEqual([
      'messages[].clear_at of system entries dropped (no equivalent upstream)',
      'tool_addition blocks in system entries dropped (no equivalent upstream)',
    ]);
  });
});

describe('anthropicToCanonical: thinking, documents, tools', () => {
  it('keeps thinking blocks of the history as reasoning blocks with their signatures, not as reasoning_content', () => {
    const { request, warnings } = anthropicToCanonical(
      req({
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Let me think.', signature: 'c2lnbmF0dXJl' },
              { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
              { type: 'text', text: 'A' },
            ],
          },
          { role: 'user', content: 'again' },
        ],
      }),
    );
    expect(request.messages[1]).toEqual({ role: 'assistant', content: 'A', reasoning_blocks: [signed, redacted] });
    expect(warnings).toEqual([]);
    const unsigned = anthropicToCanonical(
      req({
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: '' }] },
        ],
      }),
    );
    expect(unsigned.request.messages[1]!.reasoning_blocks).toEqual([{ type: 'thinking', text: 'x' }]);
  });

  it('converts documents: a PDF as a file part, text with its title, content documents; search results as text', () => {
    const { request, warnings } = anthropicToCanonical(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
              {
                type: 'document',
                source: { type: 'text', media_type: 'text/plain', data: 'body' },
                title: 'T',
                context: 'C',
                citations: { enabled: true },
              },
              {
                type: 'document',
                source: {
                  type: 'content',
                  content: [
                    { type: 'text', text: 'p1' },
                    { type: 'text', text: 'p2' },
                  ],
                },
              },
              { type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } },
              {
                type: 'search_result',
                source: 'https://s.test',
                title: 'S',
                content: [{ type: 'text', text: 'found' }],
              },
            ],
          },
        ],
      }),
    );
    expect(request.messages[0]!.content).toEqual([
      { type: 'file', file: { filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBE' } },
      { type: 'text', text: 'T\nC\n\nbody' },
      { type: 'text', text: 'p1\np2' },
      { type: 'text', text: 'S\nhttps://s.test\nfound' },
    ]);
    expect(warnings).toEqual([
      'citations dropped (only Anthropic upstreams cite documents)',
      'document blocks with a url source dropped (no equivalent upstream)',
    ]);
  });

  it('offers deferred tools up front, keeps strict, names other tool fields', () => {
    const { request, warnings } = anthropicToCanonical(
      req({
        tools: [
          { name: 'a', input_schema: { type: 'object' }, strict: true },
          { name: 'b', input_schema: { type: 'object' }, defer_loading: true, input_examples: [{}] },
        ],
      }),
    );
    expect(request.tools).toEqual([
      { type: 'function', function: { name: 'a', parameters: { type: 'object' }, strict: true } },
      { type: 'function', function: { name: 'b', parameters: { type: 'object' } } },
    ]);
    expect(warnings).toEqual([
      'tools[].defer_loading dropped (deferred tools are offered up front)',
      'tools[].input_examples dropped (no equivalent upstream)',
    ]);
  });

  it('finds what only Anthropic upstreams serve', () => {
    expect(
      anthropicOnlyFeatures(
        req({
          tools: [
            { name: 'x', input_schema: {} },
            { name: 'custom', type: 'custom', input_schema: {} },
          ],
        }),
      ),
    ).toEqual([]);
    expect(
      anthropicOnlyFeatures(
        req({ tools: [{ name: 'web_search', type: 'web_search_20250305' }], mcp_servers: [{ type: 'url' }] }),
      ),
    ).toEqual(['server tool web_search (web_search_20250305)', 'mcp_servers']);
  });

  it('says when the request cannot do without them: tool_choice naming one, or any with no custom tool', () => {
    const web = { name: 'web_search', type: 'web_search_20250305' };
    const read = { name: 'Read', input_schema: {} };
    expect(requiresAnthropicOnly(req({ tools: [web, read] }))).toBeUndefined();
    expect(requiresAnthropicOnly(req({ tools: [web, read], tool_choice: { type: 'any' } }))).toBeUndefined();
    expect(requiresAnthropicOnly(req({ tools: [web, read], tool_choice: { type: 'tool', name: 'Read' } }))).toBe(
      undefined,
    );
    expect(requiresAnthropicOnly(req({ tools: [web, read], tool_choice: { type: 'tool', name: 'web_search' } }))).toBe(
      'tool_choice requires web_search, which is not a custom tool',
    );
    // An MCP server's tool is not in `tools`.
    expect(
      requiresAnthropicOnly(
        req({ mcp_servers: [{ type: 'url' }], tools: [read], tool_choice: { type: 'tool', name: 'm_x' } }),
      ),
    ).toBe('tool_choice requires m_x, which is not a custom tool');
    expect(requiresAnthropicOnly(req({ tools: [web], tool_choice: { type: 'any' } }))).toBe(
      'tool_choice any, and only server or MCP tools are offered',
    );
  });
});

const options: ConvertOptions = {
  model: 'claude-sonnet-4-5',
  version: '2023-06-01',
  defaultMaxTokens: 4096,
  jsonMode: 'tool',
  thinking: true,
  thinkingBudgets: { low: 2048 },
};

describe('toMessagesRequest: reasoning blocks back to Anthropic', () => {
  it('puts the blocks Anthropic signed first in the assistant turn, untouched; drops others with a warning', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: 'A',
        reasoning_content: 'Let me think.',
        reasoning_blocks: [
          signed,
          redacted,
          { type: 'encrypted_reasoning', signature: 'gAAAA', source: 'openai', id: 'rs_1' },
        ],
        tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 't', content: 'r' },
    ];
    const { body, warnings } = toMessagesRequest({ model: 'x', messages } as ChatRequest, options);
    expect(body.messages[1]!.content).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'c2lnbmF0dXJl' },
      { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
      { type: 'text', text: 'A' },
      { type: 'tool_use', id: 't', name: 'f', input: {} },
    ]);
    expect(warnings).toEqual([
      'encrypted_reasoning blocks from openai in the history dropped (Anthropic takes back only thinking it signed)',
    ]);
  });

  it('still says reasoning_content alone cannot go back', () => {
    const { warnings } = toMessagesRequest(
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'A', reasoning_content: 'hmm' },
        ],
      } as ChatRequest,
      options,
    );
    expect(warnings).toEqual(['reasoning_content in the history dropped (Anthropic needs signed thinking blocks)']);
  });
});

describe('Anthropic answers → canonical reasoning blocks', () => {
  const message = (content: unknown[]) => ({
    id: 'msg_1',
    type: 'message' as const,
    role: 'assistant' as const,
    model: 'c',
    content: content as never,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  });

  it('keeps signed and redacted thinking of a response', () => {
    const completion = fromMessagesResponse(
      message([
        { type: 'thinking', thinking: 'Let me think.', signature: 'c2lnbmF0dXJl' },
        { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
        { type: 'text', text: 'A' },
      ]),
    );
    expect(completion.choices[0]!.message).toMatchObject({
      content: 'A',
      reasoning_content: 'Let me think.',
      reasoning_blocks: [signed, redacted],
    });
  });

  it('emits each block from a stream when it is complete', () => {
    const decoder = new MessagesStreamDecoder(false);
    const events: AnthropicStreamEvent[] = [
      { type: 'message_start', message: message([]) },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJl' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' } },
      { type: 'content_block_stop', index: 1 },
    ];
    const deltas = events.flatMap((e) => decoder.push(e)).map((c) => c.choices[0]!.delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Let me ' },
      { reasoning_content: 'think.' },
      { reasoning_blocks: [signed] },
      { reasoning_blocks: [redacted] },
    ]);
  });
});

describe('canonical answers → Anthropic callers, signatures kept', () => {
  const completion: ChatCompletion = {
    id: 'c1',
    object: 'chat.completion',
    created: 0,
    model: 'claude',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'A',
          reasoning_content: 'Let me think.',
          reasoning_blocks: [signed, redacted],
        },
        finish_reason: 'stop',
      },
    ],
  };
  const parse = (sse: string) =>
    [...sse.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((m) => JSON.parse(m[2]!) as Record<string, any>);

  it('a message carries the signed blocks', () => {
    expect(canonicalToAnthropicMessage(completion, 'claude').content).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'c2lnbmF0dXJl' },
      { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
      { type: 'text', text: 'A' },
    ]);
  });

  it('a replayed stream (a cached answer) rebuilds the same blocks, signature after the text it covers', () => {
    const encoder = new AnthropicStreamEncoder('claude');
    let sse = '';
    for (const chunk of completionChunks(completion, false)) sse += encoder.push(chunk);
    sse += encoder.end();
    const blocks: Array<Record<string, any>> = [];
    for (const event of parse(sse)) {
      if (event.type === 'content_block_start') blocks[event.index] = { ...event.content_block };
      if (event.type === 'content_block_delta') {
        const block = blocks[event.index]!;
        if (event.delta.type === 'thinking_delta') block.thinking += event.delta.thinking;
        if (event.delta.type === 'signature_delta') block.signature += event.delta.signature;
        if (event.delta.type === 'text_delta') block.text += event.delta.text;
      }
    }
    expect(blocks).toEqual(canonicalToAnthropicMessage(completion, 'claude').content);
  });

  it('the accumulator keeps reasoning blocks of a stream', () => {
    const acc = new CompletionAccumulator();
    for (const chunk of completionChunks(completion, false)) acc.push(chunk);
    expect(acc.result().choices[0]!.message).toMatchObject({
      reasoning_content: 'Let me think.',
      reasoning_blocks: [signed, redacted],
    });
  });
});

describe('betas', () => {
  it('parses one or several headers, splits by the instance policy (globs)', () => {
    expect(parseBetas(['a, b', 'b,c'])).toEqual(['a', 'b', 'c']);
    expect(
      filterBetas(['claude-code-20250219', 'context-management-2025-06-27', 'x'], {
        accepted: ['*'],
        refused: ['context-management-*'],
      }),
    ).toEqual({ kept: ['claude-code-20250219', 'x'], dropped: ['context-management-2025-06-27'] });
    expect(filterBetas(['a-1', 'b-1'], { accepted: ['a-*'], refused: [] })).toEqual({
      kept: ['a-1'],
      dropped: ['b-1'],
    });
  });

  it('drops the fields of dropped betas unless a kept beta still covers them; the body itself when nothing goes', () => {
    const body = {
      model: 'm',
      max_tokens: 1,
      context_management: {},
      mcp_servers: [{}],
      messages: [
        { role: 'user', content: 'x' },
        { role: 'system', output_config: { effort: 'high' } },
        { role: 'system', content: 'y', output_config: { effort: 'low' } },
      ],
      tools: [{ name: 't', defer_loading: true }],
    };
    const warnings: string[] = [];
    const out = withoutBetaFields(
      body,
      ['mcp-client-2025-11-20'],
      [
        'context-management-2025-06-27',
        'per-turn-control-2026-07-01',
        'advanced-tool-use-2025-11-20',
        'mcp-client-2025-04-04',
      ],
      (w) => warnings.push(w),
    );
    expect(out).toEqual({
      model: 'm',
      max_tokens: 1,
      mcp_servers: [{}],
      messages: [
        { role: 'user', content: 'x' },
        { role: 'system', content: 'y' },
      ],
      tools: [{ name: 't' }],
    });
    expect(body.context_management).toEqual({});
    expect(warnings).toHaveLength(3);
    expect(withoutBetaFields(body, [], ['unrelated'], () => undefined)).toBe(body);
  });

  it('max_tokens fitted keeps an extended thinking budget below it, or turns thinking off when it cannot', () => {
    const warnings: string[] = [];
    expect(
      withMaxTokens({ max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: 31999 } }, 8192, (w) =>
        warnings.push(w),
      ),
    ).toEqual({ max_tokens: 8192, thinking: { type: 'enabled', budget_tokens: 8191 } });
    expect(
      withMaxTokens({ max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: 2000 } }, 1000, (w) =>
        warnings.push(w),
      ),
    ).toEqual({ max_tokens: 1000 });
    expect(withMaxTokens({ max_tokens: 64000, thinking: { type: 'adaptive' } }, 8192, () => undefined)).toEqual({
      max_tokens: 8192,
      thinking: { type: 'adaptive' },
    });
    const same = { max_tokens: 5 };
    expect(withMaxTokens(same, 5, () => undefined)).toBe(same);
    expect(warnings).toEqual([
      'thinking.budget_tokens 31999 lowered to 8191 to stay below max_tokens',
      'thinking turned off (max_tokens 1000 leaves no room for the minimum thinking budget of 1024)',
    ]);
  });
});

describe('the chunk accumulator and replay with reasoning blocks only', () => {
  it('replays blocks without text after the reasoning text', () => {
    const completion: ChatCompletion = {
      id: 'c',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'A',
            reasoning_content: 'summary',
            reasoning_blocks: [{ type: 'encrypted_reasoning', signature: 'gAAAA', source: 'openai' }],
          },
          finish_reason: 'stop',
        },
      ],
    };
    const deltas = completionChunks(completion, false).map((c: ChatCompletionChunk) => c.choices[0]!.delta);
    expect(deltas.slice(1, 3)).toEqual([
      { reasoning_content: 'summary' },
      { reasoning_blocks: [{ type: 'encrypted_reasoning', signature: 'gAAAA', source: 'openai' }] },
    ]);
  });
});
