import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ShutdownState } from './shutdown.state.js';
import { ReadinessIndicators } from './readiness-indicators.js';

/** Kubernetes probes, in Terminus's JSON. Never throttled. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly readiness: ReadinessIndicators,
  ) {}

  /** The process answers: nothing else is checked, so a busy store never gets the pod killed. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready to take deliveries: not draining, and every registered dependency is up. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const session = this.indicators.check('shutdown');
        return this.shutdown.draining ? session.down({ message: 'draining' }) : session.up();
      },
      ...this.readiness.checks,
    ]);
  }
}
