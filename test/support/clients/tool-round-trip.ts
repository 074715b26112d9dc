/**
 * A tool round trip through the gateway, for the client suites: the upstream mocks scripted to
 * call a client's tool first and answer once its result is back, and what the follow-up must
 * carry in each upstream's own terms (the call, its arguments and the tool's output, and on
 * Gemini the thought signature the mock put on its call).
 */
import { expect } from 'vitest';
import type { Bench, Call, UpstreamKind } from './responses-bench.js';

/** The tool call the model is scripted to make, and what must come back after it. */
export interface ScriptedCall {
  name: string;
  args: Record<string, unknown>;
  /** Text the tool's output carries once it ran. */
  output: string;
  /** The model's answer once the tool result is back. */
  final: string;
}

/** The upstream model a call named: in its body, or in a Gemini path. */
export function modelOf(call: Call): string | undefined {
  return call.body?.model ?? /\/models\/([^/:]+):/.exec(call.path)?.[1];
}

/** Makes each upstream mock of the bench call the tool first, then answer `final` once its result is back. */
export function scriptToolCall(bench: Bench, call: ScriptedCall): void {
  const final = { text: call.final };
  bench.openai.setAnswerer((body) => {
    const answered = Array.isArray(body.input)
      ? body.input.at(-1)?.type === 'function_call_output'
      : body.messages?.at(-1)?.role === 'tool';
    return answered ? final : { toolCalls: [{ name: call.name, arguments: call.args }] };
  });
  bench.anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const answered =
      Array.isArray(last.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
    return answered ? final : { toolCalls: [{ name: call.name, input: call.args }] };
  });
  bench.gemini.setAnswerer((body) => {
    const answered = body.contents.at(-1).parts.some((p: { functionResponse?: unknown }) => p.functionResponse);
    return answered ? final : { functionCalls: [{ name: call.name, args: call.args }] };
  });
}

/** The follow-up request carries the scripted call and the tool's output, in the terms of the wire it reached. */
export function expectToolResultSent(wire: UpstreamKind, followUp: any, call: ScriptedCall): void {
  switch (wire) {
    case 'openai': {
      const [made, output] = followUp.input.slice(-2);
      expect([made.type, output.type]).toEqual(['function_call', 'function_call_output']);
      expect(made).toMatchObject({ name: call.name, call_id: output.call_id });
      expect(JSON.parse(made.arguments)).toEqual(call.args);
      expect(JSON.stringify(output.output)).toContain(call.output);
      break;
    }
    case 'chat': {
      const [assistant, tool] = followUp.messages.slice(-2);
      expect([assistant.role, tool.role]).toEqual(['assistant', 'tool']);
      expect(assistant.tool_calls).toEqual([
        expect.objectContaining({ id: tool.tool_call_id, function: expect.objectContaining({ name: call.name }) }),
      ]);
      expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual(call.args);
      expect(JSON.stringify(tool.content)).toContain(call.output);
      break;
    }
    case 'anthropic': {
      const [assistant, user] = followUp.messages.slice(-2);
      expect([assistant.role, user.role]).toEqual(['assistant', 'user']);
      const toolUse = assistant.content.find((b: { type: string }) => b.type === 'tool_use');
      expect(toolUse).toMatchObject({ name: call.name, input: call.args });
      const result = user.content.find((b: { type: string }) => b.type === 'tool_result');
      expect(result.tool_use_id).toBe(toolUse.id);
      expect(JSON.stringify(result.content)).toContain(call.output);
      break;
    }
    case 'gemini': {
      const [model, user] = followUp.contents.slice(-2);
      const made = model.parts.find((p: { functionCall?: unknown }) => p.functionCall);
      // The signature Gemini put on its call came back with it (the gateway carried it through the client).
      expect(made).toMatchObject({
        functionCall: { name: call.name, args: call.args },
        thoughtSignature: expect.any(String),
      });
      const response = user.parts.find((p: { functionResponse?: unknown }) => p.functionResponse);
      expect(response.functionResponse.name).toBe(call.name);
      expect(JSON.stringify(response.functionResponse.response)).toContain(call.output);
      break;
    }
  }
}

/** What a scripted model does next: call tools (saying `text` first, if given), or answer in text. */
export type NextStep =
  { calls: Array<{ name: string; args: Record<string, unknown> }>; text?: string } | { text: string };

/** The tools a request offered and the tools already called in its history (in order), whatever the upstream's wire. */
export interface ToolState {
  offered: string[];
  called: string[];
}

/** The offered and called tool names of a request body of any upstream kind. */
export function toolStateOf(body: any): ToolState {
  const tools: any[] = Array.isArray(body.tools) ? body.tools : [];
  const offered = tools.flatMap((t) =>
    Array.isArray(t.functionDeclarations)
      ? t.functionDeclarations.map((d: { name: string }) => d.name)
      : [t.function?.name ?? t.name],
  );
  const called: string[] = [];
  if (Array.isArray(body.input))
    for (const item of body.input) if (item.type === 'function_call') called.push(item.name);
  for (const message of body.messages ?? []) {
    for (const call of message.tool_calls ?? []) called.push(call.function.name);
    if (Array.isArray(message.content))
      for (const block of message.content) if (block.type === 'tool_use') called.push(block.name);
  }
  for (const content of body.contents ?? [])
    for (const part of content.parts ?? []) if (part.functionCall) called.push(part.functionCall.name);
  return { offered, called };
}

/** Scripts every upstream mock of the bench with one policy: from the tools offered and called, the next step. */
export function scriptSteps(bench: Bench, next: (state: ToolState) => NextStep): void {
  const step = (body: any): NextStep => next(toolStateOf(body));
  bench.openai.setAnswerer((body) => {
    const s = step(body);
    return 'calls' in s ? { text: s.text, toolCalls: s.calls.map((c) => ({ name: c.name, arguments: c.args })) } : s;
  });
  bench.anthropic.setAnswerer((body) => {
    const s = step(body);
    return 'calls' in s ? { text: s.text, toolCalls: s.calls.map((c) => ({ name: c.name, input: c.args })) } : s;
  });
  bench.gemini.setAnswerer((body) => {
    const s = step(body);
    return 'calls' in s ? { text: s.text, functionCalls: s.calls } : s;
  });
}
