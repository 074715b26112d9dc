import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { MAX_WHOLE_BYTES, UpstreamBody } from '../../core/src/upstream/body.js';

/** undici's controller for a body nobody pauses or aborts in these tests. */
function controller(): Dispatcher.DispatchController {
  return { paused: false, aborted: false, reason: null, pause() {}, resume() {}, abort() {} } as never;
}

describe('an upstream body read whole', () => {
  it('is handed over at once once it arrived, its chunks joined; not before', () => {
    const body = new UpstreamBody(controller());
    body.push(Buffer.from('{"a":'));
    expect(body.bytesNow()).toBeUndefined();
    body.push(Buffer.from('1}'));
    body.end();
    expect(body.bytesNow()?.toString()).toBe('{"a":1}');
  });

  it('is not handed over at once when it broke; bytes() rejects with why', async () => {
    const body = new UpstreamBody(controller());
    body.push(Buffer.from('{"a":'));
    body.fail(new Error('reset'));
    expect(body.bytesNow()).toBeUndefined();
    await expect(body.bytes()).rejects.toThrow('reset');
  });

  it('refuses a chunk past MAX_WHOLE_BYTES (the client then drops the request; bytes() rejects with why)', async () => {
    const body = new UpstreamBody(controller());
    const whole = body.bytes();
    const mib = Buffer.alloc(1024 * 1024, 0x20); // one buffer pushed again and again: no real memory held
    for (let i = 0; i < MAX_WHOLE_BYTES / mib.length; i++) body.push(mib);
    expect(() => body.push(mib)).toThrow('upstream answer over 256 MiB');
    body.fail(new Error('dropped: upstream answer over 256 MiB'));
    await expect(whole).rejects.toThrow('over 256 MiB');
  });

  it('bytes() waits for what has not arrived yet', async () => {
    const body = new UpstreamBody(controller());
    const whole = body.bytes();
    body.push(Buffer.from('ok'));
    body.end();
    expect((await whole).toString()).toBe('ok');
  });
});
