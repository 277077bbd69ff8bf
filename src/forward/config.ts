/** The `listen` section: address, secure-forward shared key and users, TLS, and the receiver's limits. */
import { hostname } from 'node:os';
import { z } from 'zod';
import { byteSize, duration, readableFile, secret } from '../shared/units.js';

/** The `listen` section: where and how the forward-protocol receiver accepts Fluent Bit / Fluentd. */
export const listenConfigSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(24224),
    /** Enables the secure-forward handshake (Fluent Bit `Shared_Key`). */
    shared_key: secret.optional(),
    /** Our name in the handshake (Fluentd `self_hostname`). */
    self_hostname: z.string().min(1).default(hostname()),
    /** Optional user authentication on top of the shared key (Fluent Bit `Username`/`Password`). */
    users: z.array(z.object({ username: z.string().min(1), password: secret }).strict()).default([]),
    tls: z
      .object({
        cert_file: readableFile,
        key_file: readableFile,
        /** CA bundle that client certificates must chain to; required when client_auth is on. */
        ca_file: readableFile.optional(),
        /** Mutual TLS: require and verify a client certificate. */
        client_auth: z.boolean().default(false),
        min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
      })
      .strict()
      .refine((tls) => !tls.client_auth || tls.ca_file, { message: 'client_auth needs ca_file', path: ['ca_file'] })
      .optional(),
    max_connections: z.number().int().positive().default(1024),
    /** Largest forward request accepted; Fluent Bit chunks are ~2 MB, Fluentd's default chunk limit is 8 MB. */
    max_message_size: byteSize.prefault('16MiB'),
    /** Largest decompressed payload of a gzip/zstd request (guards against compression bombs). */
    max_decompressed_size: byteSize.prefault('64MiB'),
    idle_timeout: duration.prefault('120s'),
    /** A message not settled within this time gets its connection closed so the sender retries it. */
    ack_timeout: duration.prefault('30s'),
  })
  .strict()
  .refine((listen) => listen.shared_key !== undefined || listen.users.length === 0, {
    message: 'users need shared_key: user authentication is part of the secure-forward handshake',
    path: ['users'],
  });

export type ListenConfig = z.output<typeof listenConfigSchema>;
