import { Expose } from 'class-transformer';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { NestedData, OpenRegisterDataDto } from './openregister-data.dto.js';

/** OpenRegister with CloudEvents switched on: CloudEvents 1.0, structured mode. */
export class CloudEventEnvelopeDto {
  @Expose() @IsIn(['1.0']) specversion!: string;
  @Expose() @IsString() @IsNotEmpty() type!: string;
  @Expose() @IsString() @IsNotEmpty() source!: string;
  /** A fresh uuid on every attempt: never a deduplication key. */
  @Expose() @IsString() @IsNotEmpty() id!: string;
  @Expose() @IsOptional() @IsISO8601() time?: string;
  @Expose() @IsOptional() @IsString() datacontenttype?: string;
  @NestedData() data!: OpenRegisterDataDto;
}
