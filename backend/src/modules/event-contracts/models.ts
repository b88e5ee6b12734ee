import { Model, type RelationMappings } from "objection";
import type { Address, Hex } from "viem";
import type { Draft } from "./draft.js";
import { AuditedModel } from "../audit/audited-model.js";

/**
 * The event-contracts module's tables as objection Models. bigint and numeric columns
 * (chain_id, chain_event_id) come back from pg as strings. Other modules read these through
 * the views migration 530 publishes (event_contract_links, event_contract_tiers,
 * event_contract_tier_zones), never the tables.
 */

export type LinkStatus = "pending" | "linked" | "discarded";

export class EventContract extends AuditedModel {
  static override tableName = "event_contracts";
  static override jsonAttributes = ["config", "discarded_chain"];
  declare festival_id: string;
  declare edition_id: string | null;
  declare event_id: string | null;
  declare chain_id: string;
  declare factory_address: Address;
  declare organizer_address: Address;
  declare status: LinkStatus;
  declare name: string;
  declare config: Draft;
  declare deploy_tx_hash: Hex | null;
  declare chain_event_id: string | null;
  declare ticket_address: Address | null;
  declare split_address: Address | null;
  declare linked_at: Date | null;
  declare scanner_granted_at: Date | null;
  declare link_error: string | null;
  declare discarded_at: Date | null;
  declare discarded_chain: Record<string, unknown> | null;
  declare categories?: TicketCategory[];

  static override get relationMappings(): RelationMappings {
    return {
      categories: {
        relation: Model.HasManyRelation,
        modelClass: TicketCategory,
        join: { from: "event_contracts.id", to: "ticket_categories.event_contract_id" },
      },
    };
  }
}

/** One per on-chain tier (tier ids count from 1). */
export class TicketCategory extends AuditedModel {
  static override tableName = "ticket_categories";
  declare event_contract_id: string;
  declare tier_id: number;
  declare name: string;
  declare description: string | null;
  declare zones?: TicketCategoryZone[];

  static override get relationMappings(): RelationMappings {
    return {
      zones: {
        relation: Model.HasManyRelation,
        modelClass: TicketCategoryZone,
        join: { from: "ticket_categories.id", to: "ticket_category_zones.ticket_category_id" },
      },
    };
  }
}

/** A zone (the gate's: gate/zones.ts) a category may enter. */
export class TicketCategoryZone extends Model {
  static override tableName = "ticket_category_zones";
  static override idColumn = ["ticket_category_id", "zone_id"];
  declare ticket_category_id: string;
  declare zone_id: string;
  declare created_at: Date;
  declare created_by: string | null;
}

/** The codes of a category's zones, in code order (`codes`: zone id -> code, from the gate's zonesOf). */
export function zoneCodes(zones: TicketCategoryZone[], codes: Map<string, string>): string[] {
  return zones
    .map((z) => codes.get(z.zone_id))
    .filter((code): code is string => code !== undefined)
    .sort();
}
