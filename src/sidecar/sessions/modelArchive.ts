import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ModelVersionRecord } from '../../protocol/messages';
import { describeError, log } from '../log';
import type { LabelStore } from '../store/labelStore';

/**
 * Writes the live model into `directory` if it is still `version` (true), else nothing (false). A layers
 * model writes model.json + weights.bin; a tuned sentence encoder a sentence-transformers directory.
 */
export type VersionWriter = (version: number, directory: string) => Promise<boolean>;

/** Saved versions kept on disk per dataset; older ones keep their record, their files are deleted. */
const KEEP_VERSIONS = 3;

/**
 * Writes each live model version of a dataset to `<modelDir>/<datasetId>/v<N>/` and records it in the
 * store, so a restarted sidecar resumes from the latest version. Writes run one at a time, off the
 * answer path; a failure is logged and the labels are unaffected.
 */
export class ModelArchive {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LabelStore,
    private readonly datasetId: string,
    private readonly writeVersion: VersionWriter
  ) {}

  versionLive(record: ModelVersionRecord): void {
    this.chain = this.chain
      .then(() => this.write(record))
      .catch(err =>
        log('error', `dataset ${this.datasetId}: saving model version ${record.version} failed: ${describeError(err)}`)
      );
  }

  /** Resolves once every version announced so far is written. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(record: ModelVersionRecord): Promise<void> {
    const root = this.store.modelDir;
    let path: string | null = null;
    if (root !== undefined) {
      const directory = join(root, this.datasetId, `v${record.version}`);
      // A newer version went live meanwhile: its own write follows; this record keeps no files.
      if (await this.writeVersion(record.version, directory)) {
        path = directory;
      }
    }
    this.store.modelVersionSaved({ ...record, datasetId: this.datasetId, path });
    await this.prune();
  }

  private async prune(): Promise<void> {
    const kept = this.store.modelVersions(this.datasetId).filter(v => v.path !== null);
    for (const old of kept.slice(0, Math.max(0, kept.length - KEEP_VERSIONS))) {
      await fs.rm(old.path as string, { recursive: true, force: true });
      this.store.modelVersionPruned(this.datasetId, old.version);
    }
  }
}
