import { Expose, Type } from 'class-transformer';
import { IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { NestedData, OpenRegisterDataDto, WebhookRefDto } from './openregister-data.dto.js';

/** OpenRegister's own webhook service, standard format: `{event, webhook, data, timestamp, attempt}`. */
export class OpenRegisterEnvelopeDto {
  @Expose() @IsString() @IsNotEmpty() event!: string;

  @Expose() @IsOptional() @Type(() => WebhookRefDto) @ValidateNested() @IsObject() webhook?: WebhookRefDto;

  @NestedData() data!: OpenRegisterDataDto;

  @Expose() @IsOptional() @IsISO8601() timestamp?: string;
  @Expose() @IsOptional() @IsInt() @Min(1) attempt?: number;
}
