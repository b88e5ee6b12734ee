import { LRUCache } from "lru-cache";
import type { PublishedSchedule } from "./models.js";

/**
 * Published versions never change, so each is parsed and kept in memory once (its exact
 * JSON text, ETag and a performance index for personal schedules). Which version is the
 * latest of an edition is remembered for LATEST_TTL_MS: a publication in this process
 * takes effect at once, one in another process within that time.
 */
const LATEST_TTL_MS = 1_000;
const MAX_VERSIONS = 200;
const MAX_EDITIONS = 10_000;

export interface LatestPointer {
  versionId: string;
  number: number;
}

class PublishedScheduleCache {
  private readonly versions = new LRUCache<string, PublishedSchedule>({ max: MAX_VERSIONS });
  private readonly latest = new LRUCache<string, { pointer: LatestPointer | null }>({ max: MAX_EDITIONS, ttl: LATEST_TTL_MS });
  private readonly latestLoading = new Map<string, Promise<LatestPointer | null>>();

  version(versionId: string): PublishedSchedule | undefined {
    return this.versions.get(versionId);
  }

  storeVersion(v: PublishedSchedule): void {
    this.versions.set(v.versionId, v);
    v.body.prepare(); // compressed copies are ready by the time most clients ask
  }

  /** undefined: unknown or expired, ask the database. null: known to have no visible version. */
  latestOf(editionId: string): LatestPointer | null | undefined {
    const hit = this.latest.get(editionId);
    return hit?.pointer;
  }

  storeLatest(editionId: string, pointer: LatestPointer | null): void {
    this.latest.set(editionId, { pointer });
  }

  forgetLatest(editionId: string): void {
    this.latest.delete(editionId);
    this.latestLoading.delete(editionId);
  }

  /**
   * The latest pointer from memory, else from `load`; concurrent misses of one edition share
   * one load (no burst of identical queries each time the pointer expires under load). A load
   * that a forgetLatest overtook answers its callers but is not stored.
   */
  async latestOrLoad(editionId: string, load: () => Promise<LatestPointer | null>): Promise<LatestPointer | null> {
    const known = this.latestOf(editionId);
    if (known !== undefined) return known;
    let pending = this.latestLoading.get(editionId);
    if (!pending) {
      const started = load();
      pending = started;
      this.latestLoading.set(editionId, started);
      const settle = () => {
        if (this.latestLoading.get(editionId) === started) this.latestLoading.delete(editionId);
      };
      started.then((pointer) => {
        if (this.latestLoading.get(editionId) === started) this.storeLatest(editionId, pointer);
        settle();
      }, settle);
    }
    return pending;
  }
}

export const publishedScheduleCache = new PublishedScheduleCache();
