// Deposit addresses: HMAC-SHA256(server secret, user + asset), shaped like the asset's
// chain expects. The same user and asset always give the same address; different ones
// collide with probability 2^-160 (and the unique index would refuse it).
import { createHmac } from 'node:crypto';

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function toBase32(bytes: Buffer, alphabet: string): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

function toBase58(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  return out.padStart(44, '1');
}

export function deriveDepositAddress(secret: string, userId: string, asset: string): string {
  const digest = createHmac('sha256', secret)
    .update(`flowex-deposit-address:v1:${userId}:${asset}`)
    .digest();
  switch (asset) {
    case 'BTC':
      return `bc1q${toBase32(digest.subarray(0, 20), BECH32)}`;
    case 'SOL':
      return toBase58(digest);
    case 'ETH':
    case 'USDT':
      return `0x${digest.subarray(0, 20).toString('hex')}`;
    default:
      return `${asset.toLowerCase()}:${digest.subarray(0, 20).toString('hex')}`;
  }
}
