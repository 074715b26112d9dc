import { describe, expect, it } from 'vitest';
import { combineRounds, median } from '../../bench/rounds.mjs';

/** A measured row of one round, with the figures combineRounds reads. */
function round(target: string, figures: Record<string, unknown>) {
  return {
    scenario: 'json 2000/s',
    target,
    requests: 100,
    errors: 0,
    elapsedMs: 50,
    cpuTicks: 10,
    gcs: 2,
    peakRssMb: 100,
    rps: 2000,
    rateKept: true,
    cpuUsPerRequest: 200,
    allocKbPerRequest: 30,
    ...figures,
  };
}

describe('bench rounds', () => {
  it('median of odd and even counts, ignoring what was not measured', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('one row per scenario and target: median figures, summed counts, highest peak RSS', () => {
    const rows = combineRounds([
      round('sy', { cpuUsPerRequest: 250, peakRssMb: 110 }),
      round('floor', { cpuUsPerRequest: 100 }),
      round('sy', { cpuUsPerRequest: 900, errors: 1, firstError: 'boom', peakRssMb: 130 }),
      round('floor', { cpuUsPerRequest: 120 }),
      round('sy', { cpuUsPerRequest: 260, rateKept: false }),
      round('floor', { cpuUsPerRequest: 110 }),
    ]);
    expect(rows.map((r) => r.target)).toEqual(['sy', 'floor']);
    const [sy, floor] = rows;
    // The disturbed round (900 µs) does not decide the figure.
    expect(sy!.cpuUsPerRequest).toBe(260);
    expect(floor!.cpuUsPerRequest).toBe(110);
    expect(sy!.requests).toBe(300);
    expect(sy!.errors).toBe(1);
    expect(sy!.firstError).toBe('boom');
    expect(sy!.cpuTicks).toBe(30);
    expect(sy!.peakRssMb).toBe(130);
    expect(sy!.rateKept).toBe(false);
    expect(floor!.rateKept).toBe(true);
    expect(sy!.rounds.map((r: { cpuUsPerRequest: number }) => r.cpuUsPerRequest)).toEqual([250, 900, 260]);
  });

  it('a closed-loop row has no rate to keep', () => {
    const [row] = combineRounds([round('sy', { rateKept: undefined }), round('sy', { rateKept: undefined })]);
    expect(row!.rateKept).toBeUndefined();
  });
});
