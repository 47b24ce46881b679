import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { DELIVERY_STATUSES, type StoredDeliveryStatus } from '../store/delivery-store.js';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

/** `GET /admin/deliveries?status=&limit=&offset=` */
export class ListDeliveriesQuery {
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: StoredDeliveryStatus;

  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  limit: number = DEFAULT_PAGE_SIZE;

  @Type(() => Number)
  @IsInt({ message: 'offset must be a whole number' })
  @Min(0, { message: 'offset must be 0 or more' })
  offset: number = 0;
}

/** `DELETE /admin/deliveries?before=` */
export class DeleteDeliveriesQuery {
  // Required, so a bare DELETE never means "everything": its absence gets a sentence of its own.
  @IsISO8601(
    { strict: true },
    {
      message: ({ value }) =>
        value === undefined
          ? 'before is required: the date finished deliveries must be older than to be deleted, e.g. ?before=2026-01-31T12:00:00Z'
          : 'before must be an ISO 8601 date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
    },
  )
  before!: string;
}
