import { ConflictException, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards, UseInterceptors, ValidationPipe } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { PINO_LOGGER } from '../logging/logger.js';
import { RedactionPolicy } from '../logging/redaction.policy.js';
import { DeliveryStore } from '../store/delivery-store.js';
import { AdminAddressGuard } from './admin-address.guard.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { DeleteDeliveriesQuery, ListDeliveriesQuery } from './deliveries.query.js';
import { ExactJsonInterceptor } from './exact-json.interceptor.js';
import { StoreUnavailableInterceptor } from './store-unavailable.interceptor.js';
import { toDeliveryDetail, toDeliverySummary, type DeliveryDetail, type DeliverySummary } from './delivery-view.js';

/** Query strings become their DTO; an unknown parameter is a 400 too, so a typo never widens a query. */
const QUERY = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });

/**
 * `/admin/deliveries`: the stored deliveries of queued mode, their attempts, replays of dead
 * letters and pruning. Only wiring: the store does the work and wakes the worker after a replay.
 */
@Controller('admin/deliveries')
@UseGuards(AdminAddressGuard, AdminTokenGuard)
@UseInterceptors(ExactJsonInterceptor, StoreUnavailableInterceptor)
export class AdminController {
  constructor(
    @Inject(DeliveryStore) private readonly store: DeliveryStore,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
    private readonly redaction: RedactionPolicy,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Get()
  async list(@Query(QUERY) { status, limit, offset }: ListDeliveriesQuery): Promise<{ items: DeliverySummary[]; total: number; limit: number; offset: number }> {
    const { items, total } = await this.store.list({ status, limit, offset });
    return { items: items.map((item) => toDeliverySummary(item, this.redaction)), total, limit, offset };
  }

  /** Every dead letter, queued again as a fresh series of attempts. */
  @Post('replay')
  @HttpCode(202)
  async replayDead(): Promise<{ replayed: number }> {
    const replayed = await this.store.replayDead(this.clock.now());
    this.logger.info({ admin: true, action: 'replay-dead', replayed }, `Admin replayed ${replayed} dead letter(s)`);
    return { replayed };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<DeliveryDetail> {
    const delivery = await this.store.get(id);
    if (!delivery) throw new NotFoundException(`No delivery ${id}`);
    return toDeliveryDetail(delivery, this.redaction);
  }

  /** A dead or succeeded delivery, queued again; one still queued or processing is a 409. */
  @Post(':id/replay')
  @HttpCode(202)
  async replay(@Param('id') id: string): Promise<{ status: 'queued'; id: string }> {
    if (!(await this.store.replay(id, this.clock.now()))) {
      const delivery = await this.store.get(id);
      if (!delivery) throw new NotFoundException(`No delivery ${id}`);
      throw new ConflictException(`Delivery ${id} is ${delivery.status}: only dead or succeeded deliveries can be replayed`);
    }
    this.logger.info({ admin: true, action: 'replay', deliveryId: id }, `Admin replayed delivery ${id}`);
    return { status: 'queued', id };
  }

  /** Removes finished (succeeded or dead) deliveries last updated before `before`. */
  @Delete()
  @HttpCode(200)
  async delete(@Query(QUERY) { before }: DeleteDeliveriesQuery): Promise<{ deleted: number }> {
    const deleted = await this.store.deleteFinishedBefore(Date.parse(before));
    this.logger.info({ admin: true, action: 'delete', before, deleted }, `Admin deleted ${deleted} finished deliveries`);
    return { deleted };
  }
}
