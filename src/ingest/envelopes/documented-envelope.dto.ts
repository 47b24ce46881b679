import { Expose, Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsOptional, IsString, ValidateIf, ValidateNested } from 'class-validator';

export class DocumentedDataDto {
  @Expose() @IsOptional() @IsObject() newObject?: Record<string, unknown>;
  @Expose() @IsOptional() @IsObject() oldObject?: Record<string, unknown>;
  /** At least one of `object`, `newObject`, `oldObject` must be there. */
  @Expose()
  @ValidateIf((data: DocumentedDataDto) => !data.newObject && !data.oldObject)
  @IsObject({ message: 'data must carry object, newObject or oldObject' })
  object?: Record<string, unknown>;
}

/** The shape OpenRegister's "Custom Webhooks" guide documents: `{event, data:{newObject, oldObject}}`. */
export class DocumentedEnvelopeDto {
  @Expose() @IsString() @IsNotEmpty() event!: string;
  @Expose() @Type(() => DocumentedDataDto) @ValidateNested() @IsObject() data!: DocumentedDataDto;
  @Expose() @IsOptional() @IsString() timestamp?: string;
}
