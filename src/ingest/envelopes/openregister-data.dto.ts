import { applyDecorators } from '@nestjs/common';
import { Expose, Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Validate, ValidateIf, ValidateNested } from 'class-validator';
import { IsIdValue } from './id-value.validator.js';

/** `data` of an OpenRegister delivery, in the standard and the CloudEvents format alike. */
export class OpenRegisterDataDto {
  @Expose() @IsOptional() @IsString() objectType?: string;
  @Expose() @IsOptional() @IsString() action?: string;

  /** Required whenever the delivery is about an object. */
  @Expose()
  @ValidateIf((data: OpenRegisterDataDto) => data.objectType === 'object' || data.object !== undefined)
  @IsObject()
  object?: Record<string, unknown>;

  @Expose() @IsOptional() @IsString() objectUuid?: string;
  @Expose() @IsOptional() @Validate(IsIdValue) register?: string | number;
  @Expose() @IsOptional() @Validate(IsIdValue) schema?: string | number;
  @Expose() @IsOptional() @IsString() timestamp?: string;
}

/** `webhook` block naming which OpenRegister webhook sent the delivery. */
export class WebhookRefDto {
  @Expose() @IsOptional() @Validate(IsIdValue) id?: string | number;
  @Expose() @IsOptional() @IsString() name?: string;
}

/** Marks the `data` block shared by the standard and the CloudEvents envelope. */
export function NestedData(): PropertyDecorator {
  return applyDecorators(Expose(), Type(() => OpenRegisterDataDto), ValidateNested(), IsObject());
}
