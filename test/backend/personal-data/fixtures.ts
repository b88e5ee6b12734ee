import type { Knex } from "knex";
import { loadConfig } from "../../../lib/config.js";
import { personalDataDeclarations } from "../../../backend/src/app.js";
import type { ErasureDeps } from "../../../backend/src/modules/personal-data/erasure.js";
import { runPersonalDataJobsOnce } from "../../../backend/src/modules/personal-data/jobs.js";
import { PersonalDataRegistry } from "../../../backend/src/modules/personal-data/registry.js";
import { DataBox } from "../../../backend/src/security/encryption.js";
import { testDatabaseUrl } from "../../support/database.js";

/** What the app builds for the personal-data module, on the test database (the same key as a test app). */
export function personalDataDeps(db: Knex): ErasureDeps {
  return { db, box: new DataBox(loadConfig({}).dataEncryptionKey), registry: new PersonalDataRegistry(personalDataDeclarations) };
}

export async function runJobs(deps: ErasureDeps): Promise<void> {
  await runPersonalDataJobsOnce({ connectionString: await testDatabaseUrl(), deps });
}
