/** Request body compression (gzip, zstd) on the libuv thread pool, and its Content-Encoding. */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'zstd';

const gzip = promisify(zlib.gzip);
// zstd is in node:zlib from Node 22.15 / 23.8 on; @types/node 20 does not declare it.
const zstdCompress = (zlib as { zstdCompress?: (buffer: Buffer, options: object, callback: (error: Error | null, result: Buffer) => void) => void }).zstdCompress;
const zstd = zstdCompress ? promisify(zstdCompress) : undefined;

export const zstdAvailable = zstd !== undefined;

/** `Content-Encoding` header value, or undefined for none. */
export function contentEncoding(compression: Compression): string | undefined {
  return compression === 'none' ? undefined : compression;
}

/** Compress a request body on the libuv thread pool (off the event loop). */
export async function compress(body: Buffer, compression: Compression, level: number | undefined): Promise<Buffer> {
  switch (compression) {
    case 'none':
      return body;
    case 'gzip':
      return gzip(body, { level: level ?? 1 });
    case 'zstd':
      if (!zstd) throw new Error(`zstd compression needs Node >= 22.15 (running ${process.version})`);
      return zstd(body, level === undefined ? {} : { params: { [(zlib.constants as Record<string, number>).ZSTD_c_compressionLevel]: level } });
  }
}
