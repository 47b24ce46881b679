import { ValidatorConstraint, ValidatorConstraintInterface, ValidationArguments } from 'class-validator';

/** Register, schema and webhook ids arrive as strings or as numbers (past 2^53 a bigint), depending on the sender. */
@ValidatorConstraint({ name: 'isIdValue' })
export class IsIdValue implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint';
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a non-empty string or a number`;
  }
}
