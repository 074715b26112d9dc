/**
 * A container made for one key run by another through the Responses `shell` tool, found by the
 * eighth rule-bypass pass, closed. Containers belong to the key they were made for (the fifth
 * pass guarded `code_interpreter`'s `container`); a hosted shell names one in its
 * `environment: { type: 'container_reference', container_id }`, which was passed on unchecked.
 * The test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { k, responsesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';

const keys = [
  { name: 'alice', key: k('alice') },
  { name: 'bob', key: k('bob') },
];

describe("another key's container through the shell tool", () => {
  // Was: bob's shell ran `cat /mnt/data/notes.txt` in the container alice's shell answer made
  // (its id is in the answer alice got, and in logs and traces): a 200, and the upstream ran it.
  it("bob cannot run a hosted shell in alice's container, nor in one made by code_interpreter for her", async () => {
    let made = 0;
    const up = await startScriptedUpstream((body) => {
      const tool = body.tools?.[0];
      const named =
        tool?.environment?.container_id ?? (typeof tool?.container === 'string' ? tool.container : undefined);
      const container = named ?? `cntr_made${++made}`;
      const item =
        tool?.type === 'shell'
          ? {
              type: 'shell_call',
              id: `sh_${made}`,
              call_id: `call_${made}`,
              status: 'completed',
              action: { commands: ['cat /mnt/data/notes.txt'], max_output_length: null, timeout_ms: null },
              environment: { type: 'container_reference', container_id: container },
            }
          : {
              type: 'code_interpreter_call',
              id: `ci_${made}`,
              status: 'completed',
              code: '',
              outputs: null,
              container_id: container,
            };
      return responsesAnswer(body.model, [item], { input_tokens: 10, output_tokens: 10 });
    });
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false, auth: { keys } },
      providers: [mockProvider('o', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    const shell = (environment: unknown) => ({
      model: 'm',
      store: false,
      tools: [{ type: 'shell', environment }],
      input: 'read my notes',
    });
    try {
      const aliceShell = await call(`${gw.url}/v1/responses`, k('alice'), shell({ type: 'container_auto' }));
      expect(aliceShell.status, aliceShell.text).toBe(200);
      const byShell = aliceShell.json.output[0].environment.container_id as string;
      const aliceCode = await call(`${gw.url}/v1/responses`, k('alice'), {
        model: 'm',
        store: false,
        tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
        input: 'keep notes',
      });
      const byCode = aliceCode.json.output[0].container_id as string;
      const sent = up.received.length;
      for (const id of [byShell, byCode, 'cntr_neverMade']) {
        const bob = await call(
          `${gw.url}/v1/responses`,
          k('bob'),
          shell({ type: 'container_reference', container_id: id }),
        );
        expect(bob.status, `${id}: ${bob.text}`).toBe(400);
        expect(bob.json.error).toMatchObject({ type: 'invalid_request_error', param: 'tools' });
      }
      expect(up.received.length).toBe(sent);
      // Alice runs her shell in either of her containers.
      for (const id of [byShell, byCode]) {
        const again = await call(
          `${gw.url}/v1/responses`,
          k('alice'),
          shell({ type: 'container_reference', container_id: id }),
        );
        expect(again.status, again.text).toBe(200);
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
