import { describe, expect, it } from '@jest/globals';
import { testEventCounts, testEventVerdict } from './test-event-metrics.js';

const metrics = (lines: string[]) => ['# HELP webhook_deliveries_total …', '# TYPE webhook_deliveries_total counter', ...lines, 'process_cpu_seconds_total 1'].join('\n');

describe("the service's count of OpenRegister's test event", () => {
  it('sums taken test events and refusals of any event', () => {
    const counts = testEventCounts(
      metrics([
        'webhook_deliveries_total{format="openregister",event="test",outcome="ignored"} 2',
        'webhook_deliveries_total{format="openregister",event="test",outcome="processed"} 1',
        'webhook_deliveries_total{format="openregister",event="object.created",outcome="accepted"} 9',
        'webhook_deliveries_total{format="openregister",event="unknown",outcome="unauthorized"} 4',
        'webhook_deliveries_total{format="unknown",event="unknown",outcome="forbidden"} 1',
      ]),
    );
    expect(counts).toEqual({ taken: 3, refused: { unauthorized: 4, forbidden: 1, invalid: 0, throttled: 0 } });
  });

  it('says taken when a test event was counted, refused (and how) when a refusal was, else not seen', () => {
    const before = testEventCounts(metrics(['webhook_deliveries_total{format="openregister",event="test",outcome="ignored"} 1']));
    expect(testEventVerdict(before, testEventCounts(metrics(['webhook_deliveries_total{format="openregister",event="test",outcome="ignored"} 2'])))).toEqual({ taken: true });
    const refused = testEventCounts(metrics(['webhook_deliveries_total{format="openregister",event="test",outcome="ignored"} 1', 'webhook_deliveries_total{format="openregister",event="unknown",outcome="unauthorized"} 1']));
    expect(testEventVerdict(before, refused)).toEqual({ taken: false, refusedAs: 'unauthorized' });
    expect(testEventVerdict(before, before)).toEqual({ taken: false, refusedAs: undefined });
    // A service that was never scraped before (restarted): nothing counted yet is "not seen", not an error.
    expect(testEventVerdict(before, testEventCounts(''))).toEqual({ taken: false, refusedAs: undefined });
  });
});
