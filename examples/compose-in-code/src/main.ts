import { composeGateway } from './gateway.js';

const gateway = await composeGateway(
  process.env.UPSTREAM_BASE_URL ?? 'https://api.openai.com/v1',
  process.env.OPENAI_API_KEY,
);
const { url } = await gateway.listen({ port: Number(process.env.PORT ?? 8080) });
console.log(`compose-in-code gateway listening on ${url}`);
// Ctrl-C stops at once; SIGTERM (an orchestrator) first lets load balancers see /ready fail for server.drainDelayMs.
process.once('SIGINT', () => void gateway.close({ drainDelayMs: 0 }));
process.once('SIGTERM', () => void gateway.close());
