export const PLUGIN = 'metrics';
