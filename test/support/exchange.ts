import { Exchange } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';

type ExchangeInit = ConstructorParameters<typeof Exchange>[0];

/** An exchange built outside a gateway: an OpenAI chat request with an empty body and plan, unless `init` says otherwise. */
export function testExchange(init: Partial<ExchangeInit> = {}): Exchange {
  return new Exchange({
    id: 't',
    protocol: 'openai',
    operation: 'chat',
    body: {},
    headers: {},
    plan: new RoutePlan(),
    ...init,
  });
}
