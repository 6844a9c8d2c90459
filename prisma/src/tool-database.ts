/** The database the command-line tools work on: DATABASE_URL or the local default. */
export function databaseUrlForTools(): string {
  return process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/flowex';
}
