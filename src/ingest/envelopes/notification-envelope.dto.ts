import { Expose, Type } from 'class-transformer';
import {
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  type ValidationArguments,
} from 'class-validator';
import { asJsonObject } from '../../events/safe-object.js';
import { IsIdValue } from './id-value.validator.js';

/** A map, or PHP's `[]` for an empty one (`context` of a create or update notification). */
@ValidatorConstraint({ name: 'isPhpMap' })
export class IsPhpMap implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return asJsonObject(value) !== undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be an object (or [] when empty)`;
  }
}

/** `object` of a schema notification: the entity's uuid, register and schema ids, and `getObject()`. */
export class NotificationObjectDto {
  /** OpenRegister writes `(string) ($object->getUuid() ?? '')`: an empty one identifies nothing. */
  @Expose() @IsString() @IsNotEmpty() uuid!: string;
  @Expose() @IsOptional() @Validate(IsIdValue) register?: string | number;
  @Expose() @IsOptional() @Validate(IsIdValue) schema?: string | number;
  /** The object's own fields, `id` (the uuid) first; never empty, so never PHP's `[]`. */
  @Expose() @IsObject() data!: Record<string, unknown>;
}

/**
 * OpenRegister's schema notification, channel `webhook` (`AnnotationNotificationDispatcher::emitWebhook`):
 * `{notification, subject, object:{uuid, register, schema, data}, recipients, context, timestamp}`.
 * Unsigned, sent once. `timestamp` is required: it is the only thing that tells two updates with
 * the same data apart (see idempotencyKey).
 */
export class NotificationEnvelopeDto {
  /** The rule's name in the schema's annotation. */
  @Expose() @IsString() @IsNotEmpty() notification!: string;
  @Expose() @IsOptional() @IsString() subject?: string;
  @Expose() @Type(() => NotificationObjectDto) @ValidateNested() @IsObject() object!: NotificationObjectDto;
  /** Nextcloud uids the rule resolved. */
  @Expose() @IsOptional() @IsArray() @IsString({ each: true }) recipients?: string[];
  /** `[]` for created and updated, `{action, from, to}` for a transition, `{_newData, _oldData}` for calculatedChange. */
  @Expose() @IsOptional() @Validate(IsPhpMap) context?: Record<string, unknown> | [];
  @Expose() @IsISO8601() timestamp!: string;
}
