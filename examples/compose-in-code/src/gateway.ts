import { createGateway, Reply, SwitchyardError } from '@switchyard/core';
import type { Gateway, Plugin } from '@switchyard/core';
import { models } from '@switchyard/plugin-models';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';

/** A policy of your own: every request must say which team sends it. */
export const requireTeam: Plugin = {
  name: 'require-team',
  apply(gateway) {
    gateway.hooks.beforeRoute.tap('require-team', (x) =>
      x.headers['x-team']
        ? undefined
        : Reply.error(new SwitchyardError('SWITCHYARD_ERR_FORBIDDEN', 'send an x-team header')),
    );
  },
};

/**
 * Core + model-name resolution + the OpenAI protocol for callers + the OpenAI provider + the
 * policy above, in front of one OpenAI-compatible upstream.
 */
export function composeGateway(baseUrl: string, apiKey?: string): Promise<Gateway> {
  return createGateway({
    config: { providers: [{ name: 'upstream', type: 'openai', baseUrl, ...(apiKey ? { apiKey } : {}) }] },
    plugins: [models(), protocolOpenAI(), openai(), requireTeam],
  });
}
