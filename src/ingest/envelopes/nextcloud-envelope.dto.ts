import { Expose, Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';

/** The serialised event: its `class` plus whatever the event exposes. */
export class NextcloudEventDto {
  @Expose() @IsString() @IsNotEmpty() class!: string;
  @Expose() @IsOptional() @IsObject() newObject?: Record<string, unknown>;
  @Expose() @IsOptional() @IsObject() oldObject?: Record<string, unknown>;
  @Expose() @IsOptional() @IsObject() object?: Record<string, unknown>;
}

export class NextcloudUserDto {
  @Expose() @IsOptional() @IsString() uid?: string;
  @Expose() @IsOptional() @IsString() displayName?: string;
}

/** Nextcloud `webhook_listeners`: `{event:{class,...}, user:{uid,displayName}, time}`. */
export class NextcloudEnvelopeDto {
  @Expose() @Type(() => NextcloudEventDto) @ValidateNested() @IsObject() event!: NextcloudEventDto;
  @Expose() @IsOptional() @Type(() => NextcloudUserDto) @ValidateNested() @IsObject() user?: NextcloudUserDto;
  /** Unix seconds. */
  @Expose() @IsOptional() @IsInt() time?: number;
}
