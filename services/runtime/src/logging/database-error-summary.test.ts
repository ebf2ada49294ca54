import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database/database.ts';
import { backendCases, createTestBackend, type TestBackend } from '../testing/test-backends.ts';
import { redactDatabaseError, redactingOnError } from './database-error-summary.ts';

const cases = await backendCases();
const EMAIL = 'ada.secret@analytical.example';
const PHONE = '+442071234567';

/** Everything a logger could print of an error: message, stack, own properties, causes. */
function printed(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const own = Object.fromEntries(Object.getOwnPropertyNames(err).map((k) => [k, (err as unknown as Record<string, unknown>)[k]]));
  return `${err.stack}\n${JSON.stringify(own, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}\n${err.cause ? printed(err.cause) : ''}`;
}

describe.each(cases)('database errors in logs on $name', (backend) => {
  let env: TestBackend;
  let db: Database;
  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    db = await env.openDatabase('logging');
    await db.query('CREATE TABLE people (email text NOT NULL, phone text, CONSTRAINT people_email_key UNIQUE (email))');
    await db.query('INSERT INTO people (email, phone) VALUES ($1, $2)', [EMAIL, PHONE]);
  });
  afterAll(async () => {
    await env?.close();
  });

  async function failure(sql: string, params: string[]): Promise<unknown> {
    return db.query(sql, params).then(
      () => expect.fail('the statement should have failed'),
      (err: unknown) => err,
    );
  }

  it.skipIf(backend.skip)('keeps the SQLSTATE, table and constraint of a unique violation, and drops the row it names', async () => {
    const err = await failure('INSERT INTO people (email, phone) VALUES ($1, $2)', [EMAIL, PHONE]);
    // The driver's error does carry the customer's data (in detail, or in the parameters)...
    expect(printed(err)).toContain(EMAIL);
    const safe = redactDatabaseError(err);
    // ...what is logged does not, and still says what and where.
    expect(printed(safe)).not.toContain(EMAIL);
    expect(printed(safe)).not.toContain(PHONE);
    expect((safe as Error).message).toContain('SQLSTATE 23505');
    expect((safe as Error).message).toContain('people_email_key');
  });

  it.skipIf(backend.skip)('drops the refused value from an invalid-input error, and a cause’s too', async () => {
    const err = await failure('INSERT INTO people (email, phone) VALUES ($1, $2)', [`${EMAIL}\u0000`, PHONE]);
    const logged: unknown[] = [];
    redactingOnError((e) => logged.push(e))(new Error('placing the order failed', { cause: err }), 'test');
    expect(printed(logged[0])).not.toContain(EMAIL);
    expect(printed(logged[0])).toMatch(/SQLSTATE [0-9A-Z]{5}/);
    expect((logged[0] as Error).message).toBe('placing the order failed');
  });

  it('passes errors that are not the database’s unchanged', () => {
    const plain = new Error('inventory did not answer');
    expect(redactDatabaseError(plain)).toBe(plain);
  });
});
