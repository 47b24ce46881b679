import { Injectable, Module } from '@nestjs/common';
import { OnWebhookEvent, type OpenRegisterEvent, type WebhookEventHandler } from '../handlers/index.js';

/** Any injectable dependency: here an in-memory index; in real life a client for your GIS or CRM. */
@Injectable()
export class BuildingIndex {
  readonly buildings = new Map<string, { title: unknown; city: unknown }>();
}

/** Keeps the index in step with the buildings schema (12) of register 5. */
@OnWebhookEvent(['object.created', 'object.updated', 'object.deleted'], { register: '5', schema: '12' })
export class BuildingIndexHandler implements WebhookEventHandler {
  constructor(private readonly index: BuildingIndex) {}

  async handle(event: OpenRegisterEvent): Promise<void> {
    const building = event.object ?? event.previous;
    if (!building) return;
    if (event.type === 'object.deleted') {
      this.index.buildings.delete(building.uuid);
      return;
    }
    // On an update that says what changed, skip it when neither field we index changed.
    if (event.changes && !event.changes.some((change) => /^\/(title|city)(\/|$)/.test(change.path))) return;
    this.index.buildings.set(building.uuid, { title: building.data.title, city: building.data.city });
  }
}

@Module({ providers: [BuildingIndex, BuildingIndexHandler], exports: [BuildingIndex] })
export class BuildingIndexModule {}
