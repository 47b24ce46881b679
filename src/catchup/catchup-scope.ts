import { text } from '../events/openregister-object.js';
import { isJsonObject } from '../events/safe-object.js';
import type { FeedFilter } from './change-feed.source.js';
import type { ObservedChange } from './observed-change.js';
import { OpenRegisterClient, OpenRegisterError } from './openregister-client.js';

/**
 * CATCHUP_REGISTERS and CATCHUP_SCHEMAS, named by slug (or numeric id) for people, turned into the
 * numeric ids OpenRegister's feed and audit trail carry. Looked up once, and again when asked
 * (a register or schema created later).
 */
export class CatchupScope {
  private registers?: Set<string>;
  private schemas?: Set<string>;

  constructor(
    private readonly client: OpenRegisterClient,
    private readonly wanted: { registers: string[]; schemas: string[] },
  ) {}

  /** Looks the slugs up unless done; throws naming a slug OpenRegister does not know. */
  async resolve(): Promise<void> {
    if (this.wanted.registers.length > 0 && !this.registers) this.registers = await this.ids('registers', 'CATCHUP_REGISTERS', this.wanted.registers);
    if (this.wanted.schemas.length > 0 && !this.schemas) this.schemas = await this.ids('schemas', 'CATCHUP_SCHEMAS', this.wanted.schemas);
  }

  /** The one register and schema the feed can filter on itself, when exactly one of each is wanted. */
  feedFilter(): FeedFilter {
    const only = (ids?: Set<string>) => (ids?.size === 1 ? [...ids][0] : undefined);
    return { register: only(this.registers), schema: only(this.schemas) };
  }

  includes(change: ObservedChange): boolean {
    return (!this.registers || this.registers.has(change.register)) && (!this.schemas || this.schemas.has(change.schema));
  }

  private async ids(kind: 'registers' | 'schemas', variable: string, names: string[]): Promise<Set<string>> {
    const body = await this.client.get(`/${kind}`);
    const known = Array.isArray(body.results) ? body.results.filter(isJsonObject) : [];
    return new Set(
      names.map((name) => {
        const match = known.find((item) => text(item.slug)?.toLowerCase() === name.toLowerCase() || text(item.id) === name || text(item.uuid) === name);
        const id = match && text(match.id);
        if (!id) throw new OpenRegisterError('invalid', `${variable} names "${name}", which OpenRegister's GET /${kind} does not list`);
        return id;
      }),
    );
  }
}
