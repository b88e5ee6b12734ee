import type { Knex } from "knex";

/**
 * A fixed-amount attribution is paid by the event's split in one of the currencies its tiers
 * sell in (the prepared configuration the event contract was created with): the database
 * holds that too, beside the 100 % rule. An edition-wide one names a currency of one of the
 * edition's event contracts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function attributions_check_fixed_currency() returns trigger language plpgsql as $$
    begin
      if new.fixed_currency is null then
        return new;
      end if;
      if not exists (
        select 1 from event_contracts ec, jsonb_array_elements(coalesce(ec.config -> 'tiers', '[]'::jsonb)) tier
         where (ec.id = new.event_contract_id or (new.edition_id is not null and ec.edition_id = new.edition_id))
           and lower(tier ->> 'currency') = new.fixed_currency
      ) then
        raise exception 'the fixed amount''s currency % is not a currency the event''s tiers sell in', new.fixed_currency
          using errcode = 'check_violation', constraint = 'ck_attributions_fixed_in_event_currency', table = 'attributions';
      end if;
      return new;
    end $$;
    create trigger trg_attributions_fixed_currency before insert or update of fixed_currency, event_contract_id, edition_id on attributions
      for each row execute function attributions_check_fixed_currency();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop trigger trg_attributions_fixed_currency on attributions; drop function attributions_check_fixed_currency();");
}
