import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/**
 * Where receipt files live, by content: the key is the company and the file's SHA-256, so
 * the same file uploaded twice is stored once and a stored file can be checked against its hash.
 */
export interface ReceiptStore {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
}

/** The default: a folder on the API's disk (written to a temp name, then renamed, so a reader never sees half a file). */
export class DirectoryReceiptStore implements ReceiptStore {
  constructor(private readonly dir: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, file);
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.file(key));
  }

  private file(key: string): string {
    if (!/^[0-9a-f-]{36}\/[0-9a-f]{64}$/.test(key)) throw new Error(`not a receipt key: ${key}`);
    return path.resolve(this.dir, key);
  }
}

/** An S3-compatible bucket (AWS, MinIO, R2...) when BACKOFFICE_S3_BUCKET is set; credentials come from the SDK's usual chain. */
export class S3ReceiptStore implements ReceiptStore {
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    opts: { endpoint?: string; region: string },
  ) {
    this.client = new S3Client({ region: opts.region, ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}) });
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }));
  }

  async get(key: string): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }
}

export function receiptStoreFor(config: { storageDir: string; s3?: { bucket: string; endpoint?: string; region: string } }): ReceiptStore {
  return config.s3 ? new S3ReceiptStore(config.s3.bucket, config.s3) : new DirectoryReceiptStore(config.storageDir);
}
