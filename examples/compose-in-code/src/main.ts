import { composeGateway } from './gateway.js';

const gateway = await composeGateway(process.env.UPSTREAM_BASE_URL ?? 'https://api.openai.com/v1', process.env.OPENAI_API_KEY);
const { url } = await gateway.listen({ port: Number(process.env.PORT ?? 8080) });
console.log(`compose-in-code gateway listening on ${url}`);
process.once('SIGINT', () => void gateway.close());
process.once('SIGTERM', () => void gateway.close());
