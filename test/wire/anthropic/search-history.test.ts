import { describe, expect, it } from 'vitest';
import {
  anthropicToCanonical,
  carriesMadeUpSearch,
  toMessagesRequest,
  withAnthropicSearchHistory,
} from '@switchyard/wire-anthropic';
import { bytesPerCall } from '../../support/allocation.js';
import { madeUpSearchAsText, madeUpSearchTurn } from '../../support/made-up-search.js';

/** Anthropic's own search blocks: encrypted fields filled by the API. */
const own = [
  { type: 'server_tool_use', id: 'srvtoolu_01A', name: 'web_search', input: { query: 'q' } },
  {
    type: 'web_search_tool_result',
    tool_use_id: 'srvtoolu_01A',
    content: [
      { type: 'web_search_result', url: 'https://b.example/', title: 'B', encrypted_content: 'Eo8B', page_age: null },
    ],
  },
  { type: 'server_tool_use', id: 'srvtoolu_01B', name: 'web_search', input: { query: 'again' } },
  {
    type: 'web_search_tool_result',
    tool_use_id: 'srvtoolu_01B',
    content: { type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded' },
  },
  {
    type: 'text',
    text: 'B says so.',
    citations: [
      {
        type: 'web_search_result_location',
        url: 'https://b.example/',
        title: 'B',
        cited_text: 'so',
        encrypted_index: 'Eo8C',
      },
    ],
  },
];

const body = (assistant: unknown[]) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  messages: [
    { role: 'user', content: 'search' },
    { role: 'assistant', content: assistant },
    { role: 'user', content: 'more' },
  ],
});

describe('web search history for an Anthropic upstream', () => {
  it("leaves a body with Anthropic's own searches (and error results) as it is: the same object, no warning", () => {
    const warnings: string[] = [];
    const sent = body(own);
    expect(withAnthropicSearchHistory(sent, (m) => warnings.push(m))).toBe(sent);
    expect(warnings).toEqual([]);
  });

  it('turns the searches Switchyard made into text, leaving the other turns and blocks as they are', () => {
    const warnings: string[] = [];
    const sent = body([...own, ...madeUpSearchTurn]);
    const out = withAnthropicSearchHistory(sent, (m) => warnings.push(m));
    expect(out.messages[1]!.content).toEqual([...own, ...madeUpSearchAsText]);
    expect(out.messages[0]).toBe(sent.messages[0]);
    expect(sent.messages[1]!.content).toEqual([...own, ...madeUpSearchTurn]); // the caller's body unchanged
    expect(warnings).toHaveLength(1);
  });

  it('takes a result without encrypted_content for a made-up one, and keeps the genuine citations beside made-up ones', () => {
    const missing = structuredClone(madeUpSearchTurn);
    delete (missing[1] as { content: Array<Record<string, unknown>> }).content[0]!.encrypted_content;
    expect(carriesMadeUpSearch(body(missing).messages)).toBe(true);
    const text = {
      type: 'text',
      text: 'Both.',
      citations: [
        own[4]!.citations![0],
        {
          type: 'web_search_result_location',
          url: 'https://c.example/',
          title: 'C',
          cited_text: 'x',
          encrypted_index: '',
        },
      ],
    };
    const out = withAnthropicSearchHistory(body([text]), () => {});
    expect(out.messages[1]!.content).toEqual([
      { type: 'text', text: 'Both.', citations: [own[4]!.citations![0]] },
      { type: 'text', text: '(cited)\n- C: https://c.example/' },
    ]);
  });

  it('the converted path (Messages → canonical → Messages) carries the search as text, no search block or citation', () => {
    const { request } = anthropicToCanonical(body(madeUpSearchTurn) as never);
    const { body: sent } = toMessagesRequest(request, {
      model: 'claude-sonnet-4-5',
      version: '2023-06-01',
      defaultMaxTokens: 100,
      jsonMode: 'tool',
      thinking: false,
      thinkingBudgets: {},
    });
    expect(carriesMadeUpSearch(sent.messages)).toBe(false);
    expect(sent.messages[1]).toEqual({
      role: 'assistant',
      content: `${madeUpSearchAsText[0]!.text}\n${madeUpSearchAsText[1]!.text}\n${madeUpSearchAsText[2]!.text}`,
    });
  });

  it('finds nothing to change in a long history without allocating', () => {
    const messages = [{ role: 'user', content: 'start' }];
    for (let i = 0; i < 20; i++)
      messages.push(
        {
          role: 'assistant',
          content: [
            { type: 'text', text: `step ${i}` },
            { type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { path: `f${i}` } },
          ],
        } as never,
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: 'ok' }] } as never,
      );
    messages.push({ role: 'assistant', content: own } as never, { role: 'user', content: 'go on' });
    expect(carriesMadeUpSearch(messages)).toBe(false);
    expect(bytesPerCall(() => void carriesMadeUpSearch(messages))).toBeLessThan(8);
  });
});
