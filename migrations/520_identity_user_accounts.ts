import type { Knex } from "knex";

/**
 * user_accounts: the users module's published read of an account's state, for the identity
 * modules that must not join users, user_roles and roles themselves: auth (a session's user
 * and roles in the one query per session, password sign-in and reset by email), api-keys (a
 * key's user state in the one query per key) and organizations (members' display names).
 * One row per user, deleted ones included (deleted_at says so); `roles` are role names, sorted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create view user_accounts as
      select u.id, u.email, u.email_verified_at, u.display_name, u.status, u.deleted_at,
             array(select r.name::text from user_roles ur join roles r on r.id = ur.role_id
                    where ur.user_id = u.id order by r.name) as roles
        from users u
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop view user_accounts");
}
