// npm run bench:auth — login and access-token verification on this machine, with the
// argon2id parameters in force (ARGON2_* from the environment, else the defaults).
// Needs PostgreSQL (TEST_DATABASE_URL, default the local one); uses a throwaway database.
// The last line of output is one JSON object with the figures.

import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@flowex/config';
import { seedDatabase } from '@flowex/db';
import { createTestDatabase } from '@flowex/db/testing';
import { createTokenVerifier } from '@flowex/server';
import argon2 from 'argon2';
import { startAuth } from '../src/main.ts';

const LOGIN_SECONDS = Number(process.env.BENCH_LOGIN_SECONDS ?? 10);
const VERIFY_SECONDS = Number(process.env.BENCH_VERIFY_SECONDS ?? 3);
const cpuCount = cpus().length;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? cpuCount * 2);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

const base = loadConfig({
  ...process.env,
  LOG_LEVEL: 'silent',
  FLOWEX_DATA_DIR: mkdtempSync(join(tmpdir(), 'flowex-bench-')),
});
const config = { ...base, AUTH_PORT: 0 };
const params = {
  memoryCost: config.ARGON2_MEMORY_KIB,
  timeCost: config.ARGON2_TIME_COST,
  parallelism: config.ARGON2_PARALLELISM,
};

const tdb = await createTestDatabase('bench_auth');
await seedDatabase(tdb.db, { sandbox: false });
const auth = await startAuth(config, tdb.db, {
  // Successful logins never consume these; generous anyway so the bench measures hashing.
  rateLimits: { loginPerIp: { points: 1_000_000, duration: 60 } },
});
const gql = async (query: string, variables: Record<string, unknown>) => {
  const res = await fetch(auth.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: { login: { accessToken: string } };
    errors?: unknown[];
  };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
};

try {
  const users = Array.from({ length: CONCURRENCY }, (_, i) => ({
    email: `bench${i}@example.com`,
    password: `Bench-Orbit-Lantern-${i}-Quartz!`,
  }));
  for (const u of users) {
    await gql('mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', { i: u });
  }
  const LOGIN =
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';

  // One bare argon2id verification, for reference.
  const hash = await argon2.hash('reference-password', { type: argon2.argon2id, ...params });
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await argon2.verify(hash, 'reference-password');
  const argon2VerifyMs = (performance.now() - t0) / 10;

  // Logins over HTTP: CONCURRENCY clients in a closed loop for LOGIN_SECONDS.
  for (const u of users) await gql(LOGIN, { e: u.email, p: u.password }); // warm-up
  const latencies: number[] = [];
  let token = '';
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + LOGIN_SECONDS * 1000;
  await Promise.all(
    users.map(async (u) => {
      while (performance.now() < end) {
        const s = performance.now();
        const data = await gql(LOGIN, { e: u.email, p: u.password });
        latencies.push(performance.now() - s);
        token = data.login.accessToken;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const logins = latencies.length;
  const cpuMsPerLogin = (cpu.user + cpu.system) / 1000 / logins;

  // Token verification the way every subgraph does it: against the JWKS (fetched once).
  const verifier = createTokenVerifier(auth.url.replace('/graphql', '/.well-known/jwks.json'));
  await verifier.verify(token);
  const verifyLatencies: number[] = [];
  const vStart = performance.now();
  const vEnd = vStart + VERIFY_SECONDS * 1000;
  while (performance.now() < vEnd) {
    const s = performance.now();
    await verifier.verify(token);
    verifyLatencies.push(performance.now() - s);
  }
  const vElapsed = (performance.now() - vStart) / 1000;
  verifyLatencies.sort((a, b) => a - b);

  const result = {
    cpus: cpuCount,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    argon2: {
      type: 'argon2id',
      memoryKiB: params.memoryCost,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
    },
    argon2VerifyMs: round(argon2VerifyMs),
    concurrency: CONCURRENCY,
    loginSeconds: round(elapsed),
    logins,
    loginsPerSecond: round(logins / elapsed),
    loginP50Ms: round(percentile(latencies, 50)),
    loginP95Ms: round(percentile(latencies, 95)),
    loginP99Ms: round(percentile(latencies, 99)),
    cpuMsPerLogin: round(cpuMsPerLogin),
    verifications: verifyLatencies.length,
    verificationsPerSecond: round(verifyLatencies.length / vElapsed),
    verifyP50Ms: round(percentile(verifyLatencies, 50), 4),
    verifyP99Ms: round(percentile(verifyLatencies, 99), 4),
  };
  console.log(
    `argon2id m=${params.memoryCost} KiB t=${params.timeCost} p=${params.parallelism}; one verify ${result.argon2VerifyMs} ms`,
  );
  console.log(
    `login over HTTP, ${CONCURRENCY} concurrent clients on ${cpuCount} CPUs: ${result.loginsPerSecond}/s, p50 ${result.loginP50Ms} ms, p95 ${result.loginP95Ms} ms, p99 ${result.loginP99Ms} ms`,
  );
  console.log(
    `CPU per login (this process: argon2 + GraphQL + JWT + client; not PostgreSQL): ${result.cpuMsPerLogin} ms`,
  );
  console.log(
    `access-token verification (EdDSA, cached JWKS): ${result.verificationsPerSecond}/s, p50 ${result.verifyP50Ms} ms`,
  );
  console.log(JSON.stringify(result));
} finally {
  await auth.stop();
  await tdb.drop();
}
