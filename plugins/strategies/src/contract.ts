import { contract } from '@switchyard/core';

/**
 * Set at stage ORDER by the strategies plugin, which ranked the candidates itself: who ranked them
 * and each target's score (higher is better). A load balancer that sees it keeps that order,
 * applying stickiness only between targets of equal score.
 */
export const ROUTE_ORDERED = contract<{ readonly by: string; readonly scores: Readonly<Record<string, number>> }>(
  'strategies:ordered',
);
