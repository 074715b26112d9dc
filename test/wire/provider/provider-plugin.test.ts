import { describe, expect, it } from 'vitest';
import { createGateway, createLogger, SwitchyardError } from '@switchyard/core';
import { testExchange } from '../../support/exchange.js';
import type { Gateway, UpstreamRequest } from '@switchyard/core';
import type { ProviderAdapter } from '@switchyard/core/provider';
import { providerPlugin } from '@switchyard/wire-provider';

const silent = createLogger({ level: 'silent' });

const adapter: ProviderAdapter = {
  protocol: 'acme',
  decodeResponse: () => {
    throw new Error('not called');
  },
  decodeStream: () => {
    throw new Error('not called');
  },
};

const builtBy: Gateway[] = [];
const acme = providerPlugin({
  name: 'provider-acme',
  type: 'acme',
  adapter,
  build(req, x, gateway) {
    builtBy.push(gateway);
    return { ...req, url: `${x.target!.instance.baseUrl}/chat`, body: { model: x.target!.model } };
  },
});

const config = { providers: [{ name: 'acme-1', type: 'acme', baseUrl: 'http://127.0.0.1:1', models: ['m'] }] };

describe('providerPlugin', () => {
  it('defines the type and builds its requests at BUILD, with the gateway serving them', async () => {
    const gateway = await createGateway({ config, plugins: [acme], logger: silent });
    expect(gateway.providers.get('acme')).toBe(adapter);
    const x = testExchange();
    x.target = { id: 'acme-1/m', instance: gateway.instances[0]!, model: 'm', rule: 'instance' };
    const blank: UpstreamRequest = { url: '', method: 'POST', headers: {}, body: undefined, stream: false };
    const built = await gateway.hooks.convertRequest.for('acme').promise(blank, x);
    expect(built).toMatchObject({ url: 'http://127.0.0.1:1/chat', body: { model: 'm' } });
    expect(builtBy).toEqual([gateway]);
  });

  it('takes no options', async () => {
    const refused = await createGateway({
      config: { ...config, plugins: { 'provider-acme': { colour: 'red' } } },
      plugins: [acme],
      logger: silent,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SwitchyardError);
    expect((refused as SwitchyardError).message).toContain('plugins.provider-acme.colour: is not a known field');
  });
});
