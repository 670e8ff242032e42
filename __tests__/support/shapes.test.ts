import { useClusters } from './postgres';
import { asSubscriptionCreator, isSuperuser, shapeRds, shapeVercel } from './shapes';

const [a, b] = useClusters(2, { settings: { wal_level: 'logical' } });

describe('provider-shaped databases', () => {
  test('the Vercel-shaped user owns its database and is not a superuser', async () => {
    const db = await shapeVercel(a());
    expect(await isSuperuser(db)).toBe(false);
    const [row] = await db.sql(`SELECT pg_get_userbyid(datdba) AS owner, (SELECT rolreplication FROM pg_roles WHERE rolname = current_user) AS repl,
      pg_has_role(current_user, 'neon_superuser', 'MEMBER') AS neon FROM pg_database WHERE datname = current_database()`);
    expect(row).toEqual({ owner: 'default', repl: true, neon: true });
  });

  test('the RDS-shaped master user owns its database, is not a superuser and cannot bypass row security', async () => {
    const db = await shapeRds(b());
    expect(await isSuperuser(db)).toBe(false);
    const [row] = await db.sql(`SELECT pg_get_userbyid(datdba) AS owner, (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass,
      pg_has_role(current_user, 'rds_superuser', 'MEMBER') AS rds FROM pg_database WHERE datname = current_database()`);
    expect(row).toEqual({ owner: 'venturenudge_admin', bypass: false, rds: true });
  });

  test('asSubscriptionCreator takes SUPERUSER back even when the step fails', async () => {
    const db = await shapeRds(b(), { database: 'sub_step' });
    await expect(asSubscriptionCreator(db, async () => {
      expect(await isSuperuser(db)).toBe(true);
      throw new Error('step failed');
    })).rejects.toThrow('step failed');
    expect(await isSuperuser(db)).toBe(false);
  });
});
