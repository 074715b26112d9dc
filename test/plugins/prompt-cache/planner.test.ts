import { describe, expect, it } from 'vitest';
import { countBreakpoints, placeBreakpoints, previousTurnEnd, TokenCounter } from '@switchyard/plugin-prompt-cache';
import type { BreakpointSettings } from '@switchyard/plugin-prompt-cache';
import { LONG_SYSTEM } from './fixtures.js';

const settings: BreakpointSettings = {
  minTokens: 1024,
  cacheControl: { type: 'ephemeral' },
  tools: true,
  system: true,
  conversation: true,
};
const cc = { type: 'ephemeral' };

describe('placeBreakpoints', () => {
  it('adds only up to the remaining budget around client breakpoints, newest message first, and never touches theirs', () => {
    const clientMark = { type: 'ephemeral', ttl: '1h' };
    const body: any = {
      system: [{ type: 'text', text: LONG_SYSTEM, cache_control: clientMark }],
      tools: [{ name: 't', input_schema: {}, cache_control: clientMark }],
      messages: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'three' },
      ],
    };
    const placement = placeBreakpoints(body, settings, new TokenCounter(10));
    expect(placement).toEqual({ client: 2, placed: ['messages.2', 'messages.0'] });
    expect(countBreakpoints(body)).toBe(4);
    expect(body.system[0].cache_control).toBe(clientMark);
    expect(body.tools[0].cache_control).toBe(clientMark);
    expect(body.messages[2].content).toEqual([{ type: 'text', text: 'three', cache_control: cc }]);
  });

  it("'leave-alone' adds nothing to a marked request; a full budget adds nothing either", () => {
    const marked: any = {
      system: LONG_SYSTEM,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: cc }] }],
    };
    expect(placeBreakpoints(structuredClone(marked), settings, new TokenCounter(10), 'leave-alone').placed).toEqual([]);
    const full: any = {
      system: LONG_SYSTEM,
      messages: [
        {
          role: 'user',
          content: Array.from({ length: 4 }, (_, i) => ({ type: 'text', text: `p${i}`, cache_control: cc })),
        },
      ],
    };
    expect(placeBreakpoints(full, settings, new TokenCounter(10)).placed).toEqual([]);
  });

  it('skips thinking blocks and empty text for the message breakpoint', () => {
    const body: any = {
      system: LONG_SYSTEM,
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'partial' },
            { type: 'thinking', thinking: 't', signature: 's' },
          ],
        },
      ],
    };
    placeBreakpoints(body, settings, new TokenCounter(10));
    expect(body.messages[1].content[0].cache_control).toEqual(cc);
    expect(body.messages[1].content[1].cache_control).toBeUndefined();
  });

  it('previousTurnEnd is the message before the newest assistant message', () => {
    const m = (role: string) => ({ role });
    expect(previousTurnEnd([m('user')])).toBeUndefined();
    expect(previousTurnEnd([m('user'), m('assistant'), m('user')])).toBe(0);
    expect(previousTurnEnd([m('user'), m('assistant'), m('user'), m('assistant'), m('user')])).toBe(2);
  });
});

describe('TokenCounter', () => {
  it('counts with a real tokenizer and tokenizes a repeated long text once', () => {
    const tokens = new TokenCounter(100);
    const first = tokens.count(LONG_SYSTEM);
    expect(first).toBeGreaterThan(1024);
    expect(first).toBeLessThan(LONG_SYSTEM.length / 2);
    const tokenized = tokens.tokenized;
    expect(tokens.count(LONG_SYSTEM)).toBe(first);
    expect(tokens.tokenized).toBe(tokenized);
    expect(tokens.count(`${LONG_SYSTEM}!`)).toBeGreaterThanOrEqual(first);
    expect(tokens.tokenized).toBe(tokenized + 1);
  });

  it('tokenizes nothing for a prompt whose bound (3 × its UTF-16 length) stays under the minimum', () => {
    const tokens = new TokenCounter(100);
    const short = {
      system: 'You are terse.',
      tools: [{ name: 'read', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Which yard for the 14:05 from Basel?' }] }],
    };
    expect(placeBreakpoints(short, settings, tokens).placed).toEqual([]);
    expect(tokens.tokenized).toBe(0);
    // Over the bound (a long text of few tokens): the real count decides, and it is under the minimum too.
    const spaced = { messages: [{ role: 'user', content: ' '.repeat(2000) }] };
    expect(placeBreakpoints(spaced, settings, tokens).placed).toEqual([]);
    expect(tokens.tokenized).toBeGreaterThan(0);
  });
});
