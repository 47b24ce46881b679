import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { ReadinessIndicators } from './readiness-indicators.js';
import { ReadinessMetric } from './readiness.metric.js';
import { ShutdownState } from './shutdown.state.js';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ShutdownState, ReadinessIndicators, ReadinessMetric],
  exports: [ShutdownState, ReadinessIndicators, TerminusModule],
})
export class HealthModule {}
